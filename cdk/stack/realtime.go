package stack

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// LiveStageName is the WebSocket API's stage: wss://<id>.execute-api.<region>.amazonaws.com/live.
const LiveStageName = "live"

// Realtime is the WebSocket API for live run events.
type Realtime struct {
	API   awsapigatewayv2.WebSocketApi
	Stage awsapigatewayv2.WebSocketStage
}

// NewRealtime creates the WebSocket API with $connect, $disconnect and $default
// routed to handler, and the live stage with throttling. $connect carries the
// JWT in the Sec-WebSocket-Protocol header (bearer.<token>, beside
// polysynergy.v1) or in Authorization, never in the URL, and the handler
// verifies it (API Gateway has no JWT authorizer for WebSocket APIs).
func NewRealtime(scope constructs.Construct, id string, handler awslambda.IFunction, throttle *awsapigatewayv2.ThrottleSettings) *Realtime {
	c := constructs.NewConstruct(scope, jsii.String(id))
	integ := func(name string) *awsapigatewayv2.WebSocketRouteOptions {
		return &awsapigatewayv2.WebSocketRouteOptions{
			Integration: awsapigatewayv2integrations.NewWebSocketLambdaIntegration(jsii.String(name+"Integration"), handler, nil),
		}
	}
	api := awsapigatewayv2.NewWebSocketApi(c, jsii.String("Api"), &awsapigatewayv2.WebSocketApiProps{
		Description:              jsii.String("PolySynergy live run events"),
		RouteSelectionExpression: jsii.String("$request.body.action"),
		ConnectRouteOptions:      integ("Connect"),
		DisconnectRouteOptions:   integ("Disconnect"),
		// subscribe, unsubscribe and ping arrive on $default and are answered through the
		// integration's response, which needs a route response
		DefaultRouteOptions: &awsapigatewayv2.WebSocketRouteOptions{
			Integration:    awsapigatewayv2integrations.NewWebSocketLambdaIntegration(jsii.String("DefaultIntegration"), handler, nil),
			ReturnResponse: jsii.Bool(true),
		},
	})
	stage := awsapigatewayv2.NewWebSocketStage(c, jsii.String("Stage"), &awsapigatewayv2.WebSocketStageProps{
		WebSocketApi: api,
		StageName:    jsii.String(LiveStageName),
		AutoDeploy:   jsii.Bool(true),
		Throttle:     throttle,
	})
	for _, key := range []string{"$connect", "$disconnect", "$default"} {
		route := api.Node().FindChild(jsii.String(key + "-Route")).Node().FindChild(jsii.String("Resource"))
		cdknag.NagSuppressions_AddResourceSuppressions(route, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-APIG4"),
			Reason: jsii.String("API Gateway offers no JWT authorizer for WebSocket APIs; the ws function verifies the " +
				"Cognito JWT given on $connect against the issuer's JWKS and refuses the connection otherwise, so " +
				"later messages only arrive on authenticated connections."),
		}}, jsii.Bool(false))
	}
	cdknag.NagSuppressions_AddResourceSuppressions(stage, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-APIG1"),
		Reason: jsii.String("WebSocket access logging needs the account-wide API Gateway CloudWatch role, which a " +
			"stack must not take over; the ws function logs every connection and message itself."),
	}}, jsii.Bool(true))
	return &Realtime{API: api, Stage: stage}
}

// URL is the wss:// URL clients connect to.
func (r *Realtime) URL() *string { return r.Stage.Url() }

// CallbackURL is the Management API endpoint (https://…/live) functions post to.
func (r *Realtime) CallbackURL() *string { return r.Stage.CallbackUrl() }

// GrantPost lets grantee post to, read and drop connections of the live stage only.
func (r *Realtime) GrantPost(grantee awsiam.IGrantable) {
	awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee: grantee,
		Actions: jsii.Strings("execute-api:ManageConnections"),
		ResourceArns: &[]*string{awscdk.Stack_Of(r.API).FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("execute-api"),
			Resource:     r.API.ApiId(),
			ResourceName: jsii.String(LiveStageName + "/*/@connections/*"),
		})},
	})
}
