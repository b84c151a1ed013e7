package stack

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2authorizers"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"polysynergy/shared/api"
)

// RestAPI is the HTTP API in front of the api function: one route per REST
// endpoint, the Cognito JWT authorizer on every non-public route.
type RestAPI struct {
	API    awsapigatewayv2.HttpApi
	Stage  awsapigatewayv2.HttpStage
	Routes []awsapigatewayv2.HttpRoute
}

// RestAPIProps are the REST API's inputs.
type RestAPIProps struct {
	Handler awslambda.IFunction
	Pool    awscognito.IUserPool
	Client  awscognito.IUserPoolClient
	Routes  []RouteSpec
	// Origins may call the API from a browser (the editor, and the local editor by context).
	Origins   []*string
	Throttle  *awsapigatewayv2.ThrottleSettings
	Retention awslogs.RetentionDays
}

// NewRestAPI validates the route table and creates the API: one route per entry, and a
// HEAD route next to each GET route (WithHeadRoutes), with the same integration and
// authorizer.
func NewRestAPI(scope constructs.Construct, id string, p RestAPIProps) (*RestAPI, error) {
	if err := ValidateRoutes(p.Routes); err != nil {
		return nil, fmt.Errorf("REST API route table: %w", err)
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	api := awsapigatewayv2.NewHttpApi(c, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		Description:        jsii.String("PolySynergy REST API"),
		CreateDefaultStage: jsii.Bool(false),
		CorsPreflight: &awsapigatewayv2.CorsPreflightOptions{
			AllowOrigins: &p.Origins,
			AllowMethods: &[]awsapigatewayv2.CorsHttpMethod{
				awsapigatewayv2.CorsHttpMethod_GET, awsapigatewayv2.CorsHttpMethod_POST, awsapigatewayv2.CorsHttpMethod_PUT,
				awsapigatewayv2.CorsHttpMethod_PATCH, awsapigatewayv2.CorsHttpMethod_DELETE, awsapigatewayv2.CorsHttpMethod_HEAD,
				awsapigatewayv2.CorsHttpMethod_OPTIONS,
			},
			AllowHeaders:  jsii.Strings("authorization", "content-type", "if-match", "x-request-id"),
			ExposeHeaders: jsii.Strings("x-request-id", "location", "retry-after", "etag"),
			MaxAge:        awscdk.Duration_Hours(jsii.Number(1)),
		},
	})
	stage := newHTTPStage(c, api, p.Throttle, p.Retention)

	// One invoke permission for the whole API instead of one per route: a
	// Lambda resource policy holds 20 KB, which ~60 route-scoped statements exceed.
	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("ApiIntegration"), p.Handler,
		&awsapigatewayv2integrations.HttpLambdaIntegrationProps{ScopePermissionToRoute: jsii.Bool(false),
			Timeout: awscdk.Duration_Seconds(jsii.Number(IntegrationTimeout))})
	authorizer := awsapigatewayv2authorizers.NewHttpUserPoolAuthorizer(jsii.String("CognitoAuthorizer"), p.Pool,
		&awsapigatewayv2authorizers.HttpUserPoolAuthorizerProps{
			UserPoolClients: &[]awscognito.IUserPoolClient{p.Client},
			IdentitySource:  jsii.Strings("$request.header.Authorization"),
		})

	r := &RestAPI{API: api, Stage: stage}
	routes := constructs.NewConstruct(c, jsii.String("Routes"))
	for _, spec := range WithHeadRoutes(p.Routes) {
		props := &awsapigatewayv2.HttpRouteProps{
			HttpApi:     api,
			RouteKey:    awsapigatewayv2.HttpRouteKey_With(jsii.String(spec.Path), awsapigatewayv2.HttpMethod(spec.Method)),
			Integration: integration,
		}
		if !spec.Public {
			props.Authorizer = authorizer
		}
		route := awsapigatewayv2.NewHttpRoute(routes, jsii.String(routeID(spec)), props)
		if spec.Public {
			cdknag.NagSuppressions_AddResourceSuppressions(route, &[]*cdknag.NagPackSuppression{{
				Id: jsii.String("AwsSolutions-APIG4"),
				Reason: jsii.String(fmt.Sprintf("%s %s is public by design in the API's route table (health, OpenAPI, "+
					"OIDC/public endpoints); everything else requires a Cognito JWT.", spec.Method, spec.Path)),
			}}, jsii.Bool(true))
		}
		r.Routes = append(r.Routes, route)
	}
	return r, nil
}

// URL is the API's endpoint (the $default stage has no path prefix).
func (r *RestAPI) URL() *string { return r.API.ApiEndpoint() }

// BaseURL is where the endpoints live, the endpoint and api.Prefix
// (https://…/api/v1): the editor's apiUrl, to which it appends /me, /tenants/….
func (r *RestAPI) BaseURL() *string {
	return awscdk.Fn_Join(jsii.String(""), &[]*string{r.API.ApiEndpoint(), jsii.String(api.Prefix)})
}

var nonAlnum = regexp.MustCompile(`[^A-Za-z0-9]+`)

// routeID is a route's construct id: its operation id, else method and path.
func routeID(r RouteSpec) string {
	if r.OperationID != "" {
		return nonAlnum.ReplaceAllString(r.OperationID, "-")
	}
	return r.Method + nonAlnum.ReplaceAllString(r.Path, "-")
}

// httpAccessLogFormat is a JSON line per request with HTTP API context variables.
const httpAccessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
	`"requestTime":"$context.requestTime","method":"$context.httpMethod","routeKey":"$context.routeKey",` +
	`"path":"$context.path","status":"$context.status","protocol":"$context.protocol",` +
	`"responseLength":"$context.responseLength","latency":"$context.responseLatency",` +
	`"integrationError":"$context.integrationErrorMessage","authorizerError":"$context.authorizer.error"}`

// newHTTPStage creates an HTTP API's auto-deployed $default stage with
// throttling and JSON access logs in a log group with retention.
func newHTTPStage(scope constructs.Construct, api awsapigatewayv2.HttpApi, throttle *awsapigatewayv2.ThrottleSettings, retention awslogs.RetentionDays) awsapigatewayv2.HttpStage {
	logs := awslogs.NewLogGroup(scope, jsii.String("AccessLogs"), &awslogs.LogGroupProps{
		Retention: retention, RemovalPolicy: awscdk.RemovalPolicy_DESTROY,
	})
	return awsapigatewayv2.NewHttpStage(scope, jsii.String("DefaultStage"), &awsapigatewayv2.HttpStageProps{
		HttpApi:    api,
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle:   throttle,
		AccessLogSettings: &accessLogSettings{
			destination: awsapigatewayv2.NewLogGroupLogDestination(logs),
			format:      awsapigateway.AccessLogFormat_Custom(jsii.String(httpAccessLogFormat)),
		},
	})
}

// accessLogSettings implements awsapigatewayv2.IAccessLogSettings.
type accessLogSettings struct {
	destination awsapigatewayv2.IAccessLogDestination
	format      awsapigateway.AccessLogFormat
}

func (a *accessLogSettings) Destination() awsapigatewayv2.IAccessLogDestination { return a.destination }
func (a *accessLogSettings) Format() awsapigateway.AccessLogFormat              { return a.format }
