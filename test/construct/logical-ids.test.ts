import { synth } from './util';

/*
 * The logical ids of the one-liner, `new ServerlessCrudApi(stack, 'Todos')`. A logical id is derived from the construct
 * path, and CloudFormation replaces a resource whose logical id changes: a renamed table is a new, empty table. So
 * these ids are public contract. If this test fails, the change renames deployed resources: make it only on purpose,
 * say so in the release notes, and update the list here.
 *
 * The layout, chosen for several resources per API: the API-wide parts at the top (`Api` with its routes and
 * integrations, `AccessLogs`, `DefaultStage`, `Alarms` for the API alarms and the composite, `Url`), and each resource
 * in its own construct (`DefaultResource` for the one the props describe) with its tables, cursor key, functions
 * (`<Operation>Function`: `LogGroup`, `Role`, `Resource`) and its alarms.
 */
const ONE_LINER: [string, string][] = [
  ['TodosApi05B6E771', 'AWS::ApiGatewayV2::Api'],
  ['TodosApiPOSTitemsCreateFunctionIntegration221621CC', 'AWS::ApiGatewayV2::Integration'],
  ['TodosApiPOSTitemsCreateFunctionIntegrationPermission6B707D2C', 'AWS::Lambda::Permission'],
  ['TodosApiPOSTitems5FEE3862', 'AWS::ApiGatewayV2::Route'],
  ['TodosApiGETitemsidReadFunctionIntegrationCD42F02B', 'AWS::ApiGatewayV2::Integration'],
  ['TodosApiGETitemsidReadFunctionIntegrationPermissionCE255554', 'AWS::Lambda::Permission'],
  ['TodosApiGETitemsid8A65B7DC', 'AWS::ApiGatewayV2::Route'],
  ['TodosApiGETitemsListFunctionIntegration06A064F4', 'AWS::ApiGatewayV2::Integration'],
  ['TodosApiGETitemsListFunctionIntegrationPermissionAFBACB40', 'AWS::Lambda::Permission'],
  ['TodosApiGETitems15EEFEBC', 'AWS::ApiGatewayV2::Route'],
  ['TodosApiPUTitemsidUpdateFunctionIntegrationF8206913', 'AWS::ApiGatewayV2::Integration'],
  ['TodosApiPUTitemsidUpdateFunctionIntegrationPermission36E3ECBA', 'AWS::Lambda::Permission'],
  ['TodosApiPUTitemsid53ED5C4B', 'AWS::ApiGatewayV2::Route'],
  ['TodosApiPATCHitemsidUpdateFunctionIntegrationPermission55B485FF', 'AWS::Lambda::Permission'],
  ['TodosApiPATCHitemsid1FB7AF67', 'AWS::ApiGatewayV2::Route'],
  ['TodosApiDELETEitemsidDeleteFunctionIntegrationEFFFB029', 'AWS::ApiGatewayV2::Integration'],
  ['TodosApiDELETEitemsidDeleteFunctionIntegrationPermission0593BB51', 'AWS::Lambda::Permission'],
  ['TodosApiDELETEitemsidCE6339B6', 'AWS::ApiGatewayV2::Route'],
  ['TodosAccessLogs10ECD79C', 'AWS::Logs::LogGroup'],
  ['TodosDefaultStageF076CCA3', 'AWS::ApiGatewayV2::Stage'],
  ['TodosDefaultResourceTableFBA9B072', 'AWS::DynamoDB::GlobalTable'],
  ['TodosDefaultResourceIdempotencyTableFE8FB1A2', 'AWS::DynamoDB::GlobalTable'],
  ['TodosDefaultResourceCursorKeyB91585D3', 'AWS::SecretsManager::Secret'],
  ['TodosDefaultResourceCreateFunctionLogGroupC9F1495C', 'AWS::Logs::LogGroup'],
  ['TodosDefaultResourceCreateFunctionRole15C3A362', 'AWS::IAM::Role'],
  ['TodosDefaultResourceCreateFunctionRoleDefaultPolicy49F1FB97', 'AWS::IAM::Policy'],
  ['TodosDefaultResourceCreateFunctionCF399D48', 'AWS::Lambda::Function'],
  ['TodosDefaultResourceReadFunctionLogGroup821929A2', 'AWS::Logs::LogGroup'],
  ['TodosDefaultResourceReadFunctionRole5FC55A35', 'AWS::IAM::Role'],
  ['TodosDefaultResourceReadFunctionRoleDefaultPolicy10AC6C58', 'AWS::IAM::Policy'],
  ['TodosDefaultResourceReadFunction568F6AEF', 'AWS::Lambda::Function'],
  ['TodosDefaultResourceListFunctionLogGroupA0D37D09', 'AWS::Logs::LogGroup'],
  ['TodosDefaultResourceListFunctionRole110FAAD8', 'AWS::IAM::Role'],
  ['TodosDefaultResourceListFunctionRoleDefaultPolicyC5F9FDBB', 'AWS::IAM::Policy'],
  ['TodosDefaultResourceListFunctionF678BC5F', 'AWS::Lambda::Function'],
  ['TodosDefaultResourceUpdateFunctionLogGroup92C415F9', 'AWS::Logs::LogGroup'],
  ['TodosDefaultResourceUpdateFunctionRole800703F9', 'AWS::IAM::Role'],
  ['TodosDefaultResourceUpdateFunctionRoleDefaultPolicyF13A1E72', 'AWS::IAM::Policy'],
  ['TodosDefaultResourceUpdateFunction288DB87A', 'AWS::Lambda::Function'],
  ['TodosDefaultResourceDeleteFunctionLogGroupFECCAD4F', 'AWS::Logs::LogGroup'],
  ['TodosDefaultResourceDeleteFunctionRole9430A014', 'AWS::IAM::Role'],
  ['TodosDefaultResourceDeleteFunctionRoleDefaultPolicy67AAF034', 'AWS::IAM::Policy'],
  ['TodosDefaultResourceDeleteFunction1F7AD20B', 'AWS::Lambda::Function'],
  ['TodosDefaultResourceAlarmsCreateErrors72749C20', 'AWS::CloudWatch::Alarm'],
  ['TodosDefaultResourceAlarmsCreateThrottles9A036B95', 'AWS::CloudWatch::Alarm'],
  ['TodosDefaultResourceAlarmsCreateDurationNearTimeout3CBC1E7D', 'AWS::CloudWatch::Alarm'],
  ['TodosDefaultResourceAlarmsReadErrors4122C733', 'AWS::CloudWatch::Alarm'],
  ['TodosDefaultResourceAlarmsReadThrottlesF6C65B73', 'AWS::CloudWatch::Alarm'],
  ['TodosDefaultResourceAlarmsReadDurationNearTimeoutA10C7FDE', 'AWS::CloudWatch::Alarm'],
  ['TodosDefaultResourceAlarmsListErrorsE292DAD3', 'AWS::CloudWatch::Alarm'],
  ['TodosDefaultResourceAlarmsListThrottles4DB84A74', 'AWS::CloudWatch::Alarm'],
  ['TodosDefaultResourceAlarmsListDurationNearTimeout6153F9B0', 'AWS::CloudWatch::Alarm'],
  ['TodosDefaultResourceAlarmsUpdateErrors0DA5DED9', 'AWS::CloudWatch::Alarm'],
  ['TodosDefaultResourceAlarmsUpdateThrottles53295A00', 'AWS::CloudWatch::Alarm'],
  ['TodosDefaultResourceAlarmsUpdateDurationNearTimeoutDD251149', 'AWS::CloudWatch::Alarm'],
  ['TodosDefaultResourceAlarmsDeleteErrors32A4AD4D', 'AWS::CloudWatch::Alarm'],
  ['TodosDefaultResourceAlarmsDeleteThrottlesFECEC9C5', 'AWS::CloudWatch::Alarm'],
  ['TodosDefaultResourceAlarmsDeleteDurationNearTimeoutCC44746E', 'AWS::CloudWatch::Alarm'],
  ['TodosDefaultResourceAlarmsDynamoDbThrottlesF4B59B64', 'AWS::CloudWatch::Alarm'],
  ['TodosDefaultResourceAlarmsDynamoDbSystemErrors4EAB8D82', 'AWS::CloudWatch::Alarm'],
  ['TodosAlarmsApi5xx653EB53F', 'AWS::CloudWatch::Alarm'],
  ['TodosAlarmsApiLatencyP99B6DC0197', 'AWS::CloudWatch::Alarm'],
  ['TodosAlarmsUnhealthy944F09A5', 'AWS::CloudWatch::CompositeAlarm'],
];

test('the one-liner\'s logical ids are exactly these (renaming one replaces the resource on deploy)', () => {
  const { template } = synth();
  const resources = template.toJSON().Resources as Record<string, { Type: string }>;
  expect(Object.entries(resources).map(([id, r]) => [id, r.Type]).sort()).toEqual([...ONE_LINER].sort());
  expect(Object.keys(template.toJSON().Outputs)).toEqual(['TodosUrl819830A3']);
});
