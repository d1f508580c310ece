//! The CloudFormation template of AWS plans, over the same IAM statements.

use super::*;

// ---------------------------------------------------------------------------------------------
// CloudFormation

/// The CloudFormation template, typed: keys in the order CloudFormation's own examples use.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct CfnTemplate<'a> {
    #[serde(rename = "AWSTemplateFormatVersion")]
    format_version: &'static str,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    parameters: Option<Value>,
    resources: CfnResources<'a>,
    outputs: Value,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct CfnResources<'a> {
    secret: CfnResource<CfnSecret<'a>>,
    secret_resource_policy: CfnResource<CfnResourcePolicy>,
    read_policy: CfnResource<CfnManagedPolicy<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation_schedule: Option<CfnResource<Value>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct CfnResource<P> {
    #[serde(rename = "Type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    depends_on: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deletion_policy: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    update_replace_policy: Option<&'static str>,
    properties: P,
}

impl<P> CfnResource<P> {
    fn new(kind: &'static str, properties: P) -> Self {
        CfnResource {
            kind,
            depends_on: None,
            deletion_policy: None,
            update_replace_policy: None,
            properties,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct CfnSecret<'a> {
    name: &'a str,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    kms_key_id: Option<&'a str>,
    tags: Vec<Tag>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct CfnResourcePolicy {
    secret_id: Value,
    resource_policy: PolicyDocument,
    block_public_policy: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct CfnManagedPolicy<'a> {
    managed_policy_name: &'a str,
    description: String,
    policy_document: PolicyDocument,
}

/// Built from the same statements the access policies were rendered from.
pub(super) fn cloudformation(s: &Settings, n: &Names, rot: &Rotator) -> String {
    let doc = |statement: Vec<Statement>| PolicyDocument::new(n, statement);
    // A stack deletion must not destroy the credential with it.
    let mut secret = CfnResource::new(
        "AWS::SecretsManager::Secret",
        CfnSecret {
            name: &n.secret_name,
            description: description(s),
            kms_key_id: s.aws.kms_key_id.as_deref(),
            tags: tags(s),
        },
    );
    secret.deletion_policy = Some("Retain");
    secret.update_replace_policy = Some("Retain");
    let (parameters, rotation_schedule) = match rot {
        Rotator::Lambda { schedule, .. } => {
            let mut schedule_resource = CfnResource::new(
                "AWS::SecretsManager::RotationSchedule",
                json!({
                    "SecretId": {"Ref": "Secret"},
                    "RotationLambdaARN": {"Ref": "RotationLambdaArn"},
                    "RotationRules": {"ScheduleExpression": schedule},
                    "RotateImmediatelyOnUpdate": false,
                }),
            );
            schedule_resource.depends_on = Some("SecretResourcePolicy");
            (
                Some(json!({"RotationLambdaArn": {
                    "Type": "String",
                    "AllowedPattern": "^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:.+$",
                    "Description": format!("ARN of the deployed rotation function {}", n.rotation_function),
                }})),
                Some(schedule_resource),
            )
        }
        Rotator::Manual => (None, None),
    };
    render::json(&CfnTemplate {
        format_version: "2010-09-09",
        description: format!("Secret {} and its access policies", n.secret_name),
        parameters,
        resources: CfnResources {
            secret,
            secret_resource_policy: CfnResource::new(
                "AWS::SecretsManager::ResourcePolicy",
                CfnResourcePolicy {
                    secret_id: json!({"Ref": "Secret"}),
                    resource_policy: doc(resource_statements(s, n, rot)),
                    block_public_policy: true,
                },
            ),
            read_policy: CfnResource::new(
                "AWS::IAM::ManagedPolicy",
                CfnManagedPolicy {
                    managed_policy_name: &n.read_policy,
                    description: format!("Read {}", n.secret_name),
                    policy_document: doc(read_statements(s, n)),
                },
            ),
            rotation_schedule,
        },
        outputs: json!({
            "SecretArn": {"Description": "The secret's full ARN", "Value": {"Ref": "Secret"}},
            "ReadPolicyArn": {"Description": "Attach to the consumer role", "Value": {"Ref": "ReadPolicy"}},
        }),
    })
}

/// The rotation outcomes Secrets Manager logs as CloudTrail service events.
pub(super) const EVENT_NAMES: &[&str] = &["RotationAbandoned", "RotationFailed", "RotationSucceeded"];
