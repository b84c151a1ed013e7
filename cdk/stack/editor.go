package stack

import (
	"os"
	"path/filepath"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"polysynergy/shared/spa"
)

// EditorConfig is the editor's runtime configuration, served as /config.json
// next to the app, with the keys the editor reads (web/src/config.ts); the local cloud
// serves the same document.
type EditorConfig struct {
	APIURL       *string `json:"apiUrl"`       // where the REST endpoints live (https://…/api/v1, no trailing slash)
	WebSocketURL *string `json:"wsUrl"`        // live WebSocket URL (wss://…/live)
	Issuer       *string `json:"issuer"`       // OIDC issuer (Cognito user pool)
	ClientID     *string `json:"clientId"`     // OIDC client id of the editor
	AuthURL      *string `json:"authUrl"`      // Cognito hosted sign-in domain
	RedirectPath *string `json:"redirectPath"` // sign-in callback path on the editor's origin
	TriggerURL   *string `json:"triggerUrl"`   // how triggers are reached (https://{project}-{stage}.<domain> or the router URL)
}

// Editor is the private bucket holding the editor and the CloudFront
// distribution in front of it.
type Editor struct {
	Bucket       awss3.Bucket
	Distribution awscloudfront.Distribution
	scope        constructs.Construct
	distDir      string // web/dist, or "" when it has not been built
	logRetention awslogs.RetentionDays
}

// NewEditor creates the bucket (no public access, encrypted, TLS only, emptied
// on destroy) and the distribution (origin access control, single-page-app
// fallback, security headers). The content is deployed by Publish once the
// API and identity exist. extraConnect lists further origins the editor may
// call (the trigger domain).
func NewEditor(scope constructs.Construct, id, assetRoot string, extraConnect []string, retention awslogs.RetentionDays) *Editor {
	c := constructs.NewConstruct(scope, jsii.String(id))
	bucket := awss3.NewBucket(c, jsii.String("Bucket"), &awss3.BucketProps{
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		ObjectOwnership:   awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
		AutoDeleteObjects: jsii.Bool(true),
	})
	connect := "'self' https://*.amazonaws.com wss://*.amazonaws.com https://*.amazoncognito.com"
	for _, o := range extraConnect {
		connect += " " + o
	}
	csp := "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
		"font-src 'self' data:; connect-src " + connect + "; worker-src 'self' blob:; frame-ancestors 'none'; " +
		"base-uri 'self'; form-action 'self' https://*.amazoncognito.com; object-src 'none'"
	headers := awscloudfront.NewResponseHeadersPolicy(c, jsii.String("SecurityHeaders"), &awscloudfront.ResponseHeadersPolicyProps{
		Comment: jsii.String("PolySynergy editor security headers"),
		SecurityHeadersBehavior: &awscloudfront.ResponseSecurityHeadersBehavior{
			ContentSecurityPolicy: &awscloudfront.ResponseHeadersContentSecurityPolicy{ContentSecurityPolicy: jsii.String(csp), Override: jsii.Bool(true)},
			ContentTypeOptions:    &awscloudfront.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
			FrameOptions:          &awscloudfront.ResponseHeadersFrameOptions{FrameOption: awscloudfront.HeadersFrameOption_DENY, Override: jsii.Bool(true)},
			ReferrerPolicy: &awscloudfront.ResponseHeadersReferrerPolicy{
				ReferrerPolicy: awscloudfront.HeadersReferrerPolicy_STRICT_ORIGIN_WHEN_CROSS_ORIGIN, Override: jsii.Bool(true),
			},
			StrictTransportSecurity: &awscloudfront.ResponseHeadersStrictTransportSecurity{
				AccessControlMaxAge: awscdk.Duration_Days(jsii.Number(730)), IncludeSubdomains: jsii.Bool(true), Override: jsii.Bool(true),
			},
			XssProtection: &awscloudfront.ResponseHeadersXSSProtection{Protection: jsii.Bool(true), ModeBlock: jsii.Bool(true), Override: jsii.Bool(true)},
		},
	})
	// The single-page app's rule (package spa, as the local cloud serves it): a page path is
	// answered with index.html by a viewer-request function, and a file the build lacks is a
	// 404 — not index.html, which an old page would take for a script. S3 tells a missing
	// object from a forbidden one only to a reader that may list the bucket.
	pages := awscloudfront.NewFunction(c, jsii.String("Pages"), &awscloudfront.FunctionProps{
		Comment: jsii.String("PolySynergy editor: page paths get index.html"),
		Code:    awscloudfront.FunctionCode_FromInline(jsii.String(spa.ViewerRequestFunction())),
		Runtime: awscloudfront.FunctionRuntime_JS_2_0(),
	})
	origin := awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(bucket, &awscloudfrontorigins.S3BucketOriginWithOACProps{
		OriginAccessLevels: &[]awscloudfront.AccessLevel{awscloudfront.AccessLevel_READ, awscloudfront.AccessLevel_LIST},
	})
	dist := awscloudfront.NewDistribution(c, jsii.String("Distribution"), &awscloudfront.DistributionProps{
		Comment: jsii.String("PolySynergy editor"),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                origin,
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: headers,
			Compress:              jsii.Bool(true),
			FunctionAssociations: &[]*awscloudfront.FunctionAssociation{{
				Function: pages, EventType: awscloudfront.FunctionEventType_VIEWER_REQUEST,
			}},
		},
		DefaultRootObject: jsii.String("index.html"),
		HttpVersion:       awscloudfront.HttpVersion_HTTP2_AND_3,
		PriceClass:        awscloudfront.PriceClass_PRICE_CLASS_100,
	})
	// listing is safe here: "/" is index.html (the default root object, and the function
	// rewrites it too), so no request reaches the bucket's listing, and the bucket holds
	// only the editor's public build
	if o := dist.Node().TryFindChild(jsii.String("Origin1")); o != nil {
		awscdk.Annotations_Of(o).AcknowledgeWarning(jsii.String("@aws-cdk/aws-cloudfront-origins:listBucketSecurityRisk"),
			jsii.String("the default root object and the pages function answer / with index.html"))
	}

	cdknag.NagSuppressions_AddResourceSuppressions(bucket, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-S1"),
		Reason: jsii.String("The bucket holds only the editor's static build; it is private, read by CloudFront alone, and CloudFront requests are the access record that matters."),
	}}, jsii.Bool(true))
	cdknag.NagSuppressions_AddResourceSuppressions(dist, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-CFR1"), Reason: jsii.String("The editor is offered worldwide; sign-in, not geography, restricts access.")},
		{Id: jsii.String("AwsSolutions-CFR2"), Reason: jsii.String("The distribution serves static files only; the APIs behind Cognito do the work, and a WAF web ACL is an optional cost the operator may attach.")},
		{Id: jsii.String("AwsSolutions-CFR3"), Reason: jsii.String("Access logs of static editor files are optional; they need an ACL-enabled log bucket that the operator can add.")},
		{Id: jsii.String("AwsSolutions-CFR4"), Reason: jsii.String("The distribution uses the default *.cloudfront.net certificate, whose TLS policy CloudFront fixes; HTTPS is enforced by redirect.")},
	}, jsii.Bool(true))

	autoDeleteLogs(c, retention)

	e := &Editor{Bucket: bucket, Distribution: dist, scope: c, logRetention: retention}
	if st, err := os.Stat(filepath.Join(assetRoot, "web", "dist", "index.html")); err == nil && !st.IsDir() {
		e.distDir = filepath.Join(assetRoot, "web", "dist")
	}
	return e
}

// autoDeleteLogs gives the CDK's function that empties the bucket on destroy
// a log group with retention: left alone it logs to /aws/lambda/<name>, which
// Lambda creates on first use and keeps forever.
func autoDeleteLogs(scope constructs.Construct, retention awslogs.RetentionDays) {
	provider := awscdk.Stack_Of(scope).Node().TryFindChild(jsii.String("Custom::S3AutoDeleteObjectsCustomResourceProvider"))
	if provider == nil {
		panic("the bucket's auto-delete provider is missing: was AutoDeleteObjects dropped?")
	}
	handler, ok := provider.Node().TryFindChild(jsii.String("Handler")).(awscdk.CfnResource)
	if !ok {
		panic("the auto-delete provider has no Handler resource")
	}
	logs := awslogs.NewLogGroup(scope, jsii.String("AutoDeleteLogs"), &awslogs.LogGroupProps{
		Retention: retention, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	handler.AddPropertyOverride(jsii.String("LoggingConfig"), map[string]any{"LogGroup": logs.LogGroupName()})
}

// URL is the editor's origin, https://<distribution domain>.
func (e *Editor) URL() *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{jsii.String("https://"), e.Distribution.DistributionDomainName()})
}

// Built reports whether web/dist was found and is deployed (otherwise a placeholder page is).
func (e *Editor) Built() bool { return e.distDir != "" }

// Publish deploys web/dist (or a placeholder page when the editor has not been
// built) with the generated config.json and invalidates the distribution.
func (e *Editor) Publish(cfg EditorConfig) awss3deployment.BucketDeployment {
	sources := []awss3deployment.ISource{}
	if e.distDir != "" {
		sources = append(sources, awss3deployment.Source_Asset(jsii.String(e.distDir), nil))
	} else {
		sources = append(sources, awss3deployment.Source_Data(jsii.String("index.html"), jsii.String(placeholderPage), nil))
	}
	sources = append(sources, awss3deployment.Source_JsonData(jsii.String("config.json"), map[string]any{
		"apiUrl": cfg.APIURL, "wsUrl": cfg.WebSocketURL, "issuer": cfg.Issuer, "clientId": cfg.ClientID,
		"authUrl": cfg.AuthURL, "redirectPath": cfg.RedirectPath, "triggerUrl": cfg.TriggerURL,
	}, nil))
	logs := awslogs.NewLogGroup(e.scope, jsii.String("DeployLogs"), &awslogs.LogGroupProps{
		Retention: e.logRetention, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	return awss3deployment.NewBucketDeployment(e.scope, jsii.String("Deploy"), &awss3deployment.BucketDeploymentProps{
		Sources:           &sources,
		DestinationBucket: e.Bucket,
		Distribution:      e.Distribution,
		DistributionPaths: jsii.Strings("/*"),
		Prune:             jsii.Bool(true),
		CacheControl:      &[]awss3deployment.CacheControl{awss3deployment.CacheControl_NoCache()},
		MemoryLimit:       jsii.Number(512),
		LogGroup:          logs,
	})
}

// placeholderPage is deployed when web/dist does not exist, so the stack
// deploys before the editor is built.
const placeholderPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>PolySynergy</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; padding: 0 1rem">
<h1>PolySynergy</h1>
<p>The platform is deployed, but this deployment was made before the editor was built.</p>
<p>Build it (<code>make synth</code> builds <code>web/dist</code>) and run <code>make deploy</code> again.
The API and its configuration are described in <a href="config.json">config.json</a>.</p>
</body></html>
`
