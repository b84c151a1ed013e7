package stack

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"polysynergy/cdk/settings"
)

// CallbackPath is the editor's sign-in redirect path (config.json's
// redirectPath); the editor's origin itself (path /) is registered too, for
// sign-out.
const CallbackPath = "/callback"

// PopupCallbackPath is where the editor's sign-in popup returns when a session
// expires mid-edit (POPUP_CALLBACK_PATH in web/src/auth/session.ts); Cognito
// refuses a redirect to a URL the client does not list.
const PopupCallbackPath = "/auth/popup"

// Identity is the Cognito user pool the editor signs in to, its app client and
// the hosted sign-in domain. Its issuer backs the API's JWT authorizer and the
// WebSocket function's token check.
type Identity struct {
	Pool   awscognito.UserPool
	Client awscognito.UserPoolClient
	Domain awscognito.UserPoolDomain
	// TokenClaims is the pre-token-generation trigger that puts the verified
	// e-mail address and the name into access tokens.
	TokenClaims awslambda.Function
}

// IdentityProps are the identity construct's inputs.
type IdentityProps struct {
	Settings settings.Settings
	// EditorURL is the deployed editor's origin (https://…, no trailing slash).
	EditorURL *string
	Retention awslogs.RetentionDays
}

// Token lifetimes of the editor's app client.
const (
	AccessTokenHours = 1
	IDTokenHours     = 1
	RefreshTokenDays = 30
)

// AccessTokenClaimsJS is the pre-token-generation trigger (event version 2).
// The editor sends its access token to the API and the WebSocket, and they read
// who is calling from it — the e-mail address above all, which lists the
// invitations sent to it and lets its owner accept them. Cognito's access tokens carry neither e-mail nor name
// (its ID tokens do, and the local identity provider puts them in both), so the
// trigger adds them: the e-mail only once verified, so an address changed to
// someone else's sees and accepts nothing before its owner confirms it.
const AccessTokenClaimsJS = `exports.handler = async (event) => {
  const a = (event.request && event.request.userAttributes) || {};
  const claims = {};
  if (a.email && a.email_verified === "true") claims.email = a.email;
  if (a.name) claims.name = a.name;
  event.response = { claimsAndScopeOverrideDetails: { accessTokenGeneration: { claimsToAddOrOverride: claims } } };
  return event;
};
`

// NewIdentity creates the user pool (e-mail sign-in, optional self sign-up and
// MFA by context), the editor's public app client (authorization code with
// PKCE, no secret) and the hosted domain.
func NewIdentity(scope constructs.Construct, id string, p IdentityProps) *Identity {
	c := constructs.NewConstruct(scope, jsii.String(id))
	s := p.Settings
	removal := awscdk.RemovalPolicy_DESTROY
	if s.RetainData {
		removal = awscdk.RemovalPolicy_RETAIN
	}
	mfa := map[settings.MFA]awscognito.Mfa{
		settings.MFAOff:      awscognito.Mfa_OFF,
		settings.MFAOptional: awscognito.Mfa_OPTIONAL,
		settings.MFARequired: awscognito.Mfa_REQUIRED,
	}[s.MFA]
	props := &awscognito.UserPoolProps{
		SelfSignUpEnabled: jsii.Bool(s.SelfSignUp),
		SignInAliases:     &awscognito.SignInAliases{Email: jsii.Bool(true)},
		AutoVerify:        &awscognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		StandardAttributes: &awscognito.StandardAttributes{
			Email:    &awscognito.StandardAttribute{Required: jsii.Bool(true), Mutable: jsii.Bool(true)},
			Fullname: &awscognito.StandardAttribute{Required: jsii.Bool(false), Mutable: jsii.Bool(true)},
		},
		Mfa: mfa,
		PasswordPolicy: &awscognito.PasswordPolicy{
			MinLength:        jsii.Number(12),
			RequireLowercase: jsii.Bool(true),
			RequireUppercase: jsii.Bool(true),
			RequireDigits:    jsii.Bool(true),
			RequireSymbols:   jsii.Bool(true),
		},
		AccountRecovery: awscognito.AccountRecovery_EMAIL_ONLY,
		// a changed e-mail address takes effect once verified; until then the old one stays
		KeepOriginal: &awscognito.KeepOriginalAttrs{Email: jsii.Bool(true)},
		// access token customisation (the trigger below) needs Essentials or Plus
		FeaturePlan:   awscognito.FeaturePlan_ESSENTIALS,
		RemovalPolicy: removal,
	}
	if s.MFA != settings.MFAOff {
		props.MfaSecondFactor = &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)}
	}
	pool := awscognito.NewUserPool(c, jsii.String("UserPool"), props)
	claims := newTokenClaims(c, p.Retention)
	pool.AddTrigger(awscognito.UserPoolOperation_PRE_TOKEN_GENERATION_CONFIG(), claims, awscognito.LambdaVersion_V2_0)

	origins := []*string{p.EditorURL}
	if s.LocalhostCallback {
		origins = append(origins, jsii.String(settings.LocalEditorURL))
	}
	var callbacks, logouts []*string
	for _, o := range origins {
		for _, path := range []string{CallbackPath, PopupCallbackPath} {
			callbacks = append(callbacks, awscdk.Fn_Join(jsii.String(""), &[]*string{o, jsii.String(path)}))
		}
		logouts = append(logouts, awscdk.Fn_Join(jsii.String(""), &[]*string{o, jsii.String("/")}))
	}
	client := pool.AddClient(jsii.String("EditorClient"), &awscognito.UserPoolClientOptions{
		GenerateSecret: jsii.Bool(false),
		AuthFlows:      &awscognito.AuthFlow{UserSrp: jsii.Bool(true)},
		OAuth: &awscognito.OAuthSettings{
			Flows:        &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true)},
			Scopes:       &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL(), awscognito.OAuthScope_PROFILE()},
			CallbackUrls: &callbacks,
			LogoutUrls:   &logouts,
		},
		SupportedIdentityProviders: &[]awscognito.UserPoolClientIdentityProvider{awscognito.UserPoolClientIdentityProvider_COGNITO()},
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		AccessTokenValidity:        awscdk.Duration_Hours(jsii.Number(AccessTokenHours)),
		IdTokenValidity:            awscdk.Duration_Hours(jsii.Number(IDTokenHours)),
		RefreshTokenValidity:       awscdk.Duration_Days(jsii.Number(RefreshTokenDays)),
	})
	domain := pool.AddDomain(jsii.String("Domain"), &awscognito.UserPoolDomainOptions{
		CognitoDomain: &awscognito.CognitoDomainOptions{DomainPrefix: authDomainPrefix(s)},
	})

	var supp []*cdknag.NagPackSuppression
	if s.MFA != settings.MFARequired {
		supp = append(supp, &cdknag.NagPackSuppression{
			Id: jsii.String("AwsSolutions-COG2"),
			Reason: jsii.String("MFA is the operator's choice through the `mfa` context value (default optional: " +
				"every user can enable TOTP); `-c mfa=required` enforces it."),
		})
	}
	supp = append(supp, &cdknag.NagPackSuppression{
		Id: jsii.String("AwsSolutions-COG3"),
		Reason: jsii.String("Cognito threat protection (advanced security, the Plus feature plan) is billed per user; " +
			"the pool enforces a strong password policy, e-mail verification and MFA instead. Operators may enable it."),
	})
	supp = append(supp, &cdknag.NagPackSuppression{
		Id:     jsii.String("AwsSolutions-COG8"),
		Reason: jsii.String("The Plus feature plan (threat protection) is billed per user; the pool stays on Essentials unless the operator opts in."),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(pool, &supp, jsii.Bool(true))
	return &Identity{Pool: pool, Client: client, Domain: domain, TokenClaims: claims}
}

// newTokenClaims creates the pre-token-generation function: Node.js on arm64,
// its own role that may only write its own log group, and a log group with
// retention. Cognito waits at most 5 s for a trigger.
func newTokenClaims(scope constructs.Construct, retention awslogs.RetentionDays) awslambda.Function {
	c := constructs.NewConstruct(scope, jsii.String("TokenClaims"))
	logs := awslogs.NewLogGroup(c, jsii.String("Logs"), &awslogs.LogGroupProps{
		Retention: retention, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	role := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("PolySynergy access token claims (Cognito trigger)"),
	})
	logs.GrantWrite(role)
	return awslambda.NewFunction(c, jsii.String("Function"), &awslambda.FunctionProps{
		Description:   jsii.String("PolySynergy: adds the verified e-mail and the name to Cognito access tokens"),
		Runtime:       awslambda.Runtime_NODEJS_24_X(),
		Architecture:  awslambda.Architecture_ARM_64(),
		Handler:       jsii.String("index.handler"),
		Code:          awslambda.Code_FromInline(jsii.String(AccessTokenClaimsJS)),
		MemorySize:    jsii.Number(128),
		Timeout:       awscdk.Duration_Seconds(jsii.Number(5)),
		Role:          role,
		LogGroup:      logs,
		LoggingFormat: awslambda.LoggingFormat_JSON,
	})
}

// Issuer is the OIDC issuer of the user pool's tokens.
func (i *Identity) Issuer() *string { return i.Pool.UserPoolProviderUrl() }

// authDomainPrefix is the hosted domain's prefix: the configured one, or the
// stack name and the account id (unique per account and region as Cognito requires).
func authDomainPrefix(s settings.Settings) *string {
	if s.AuthDomainPrefix != "" {
		return jsii.String(s.AuthDomainPrefix)
	}
	base := strings.ToLower(s.StackName)
	if len(base) > 40 {
		base = base[:40]
	}
	base = strings.Trim(base, "-")
	for _, reserved := range []string{"aws", "amazon", "cognito"} {
		base = strings.ReplaceAll(base, reserved, "x")
	}
	return awscdk.Fn_Join(jsii.String("-"), &[]*string{jsii.String(base), awscdk.Aws_ACCOUNT_ID()})
}
