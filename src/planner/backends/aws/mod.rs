//! AWS Secrets Manager for every target, rotation policy and credential type. One secret
//! `<environment>/<name>/<leaf>` per plan with a resource policy that keeps other principals and
//! plain HTTP out, one consumer identity per target (IRSA, a CI OIDC role, an ECS task role),
//! least-privilege identity policies, Lambda rotation on a `rate()` schedule with EventBridge
//! notifications, and the Terraform that deploys all of it. CI/CD pipelines are in `cicd.rs`.

use std::collections::BTreeMap;

use hcl::expr::{Expression, FuncCall, Traversal, Variable};
use hcl::{Block, Body, Object, ObjectKey};
use serde::Serialize;
use serde_json::{json, Value};

use crate::planner::choice::*;
use crate::planner::findings;
use crate::planner::k8s::{self, K8sObject};
use crate::planner::request::Duration;
use crate::planner::window::{self, Replaced};
use crate::planner::ApiKeyRotation;
pub(crate) mod cicd;
pub(crate) mod sdk;
pub(crate) mod workload;

use crate::planner::{AccessPolicy, DeploymentManifest, Finding, Plan, RotationScripts, SecretsConfig, Settings};
use crate::render::escape::{Syntax, Var};
use crate::render::tf;
use crate::render::{self, template};
mod api_key;
mod cloudformation;
mod kubernetes;
mod managed;
mod platform;
pub(crate) use platform::eks_issuer;
use platform::{eks_oidc, oidc_provider_arn};
mod names;
pub(super) use names::{names, Names};
mod terraform;
use api_key::*;
use cloudformation::*;
use kubernetes::*;
use managed::*;
use terraform::*;

const HOUR: u64 = 3600;
const DAY: u64 = 86_400;
/// Secrets Manager rotates at most every four hours.
const MIN_ROTATION: u64 = 4 * HOUR;
const LAMBDA_SOURCE: &str = include_str!("snippets/rotation_lambda.py");
/// The rotation's last step (move AWSCURRENT to the staged version, once), the same in every
/// Lambda the plan writes.
const FINISH_SECRET: &str = include_str!("snippets/finish_secret.py");

/// A Lambda source with its `# {{code:FINISH_SECRET}}` line filled, once per process.
fn with_finish_secret(cell: &'static std::sync::OnceLock<String>, source: &str) -> &'static str {
    crate::planner::snippets::compose(cell, source, "# {{code:FINISH_SECRET}}\n", FINISH_SECRET)
}
/// The Lambda runtime and the database drivers bundled with the function (pure Python, so one
/// zip runs on either Lambda architecture).
pub(super) const LAMBDA_RUNTIME: &str = "python3.13";
const PG8000: &str = "pg8000==1.31.6";
const PYMYSQL: &str = "PyMySQL==1.2.4";
/// The rotation function's package directory: handler and pinned requirements.
const LAMBDA_HANDLER_PATH: &str = "functions/rotation/lambda_function.py";
const LAMBDA_REQUIREMENTS_PATH: &str = "functions/rotation/requirements.txt";
const RECOVERY_WINDOW_DAYS: u64 = 30;
const LOG_RETENTION_DAYS: u64 = 365;

/// How the secret changes over time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Rotator {
    /// Someone writes new versions with PutSecretValue.
    Manual,
    /// The generated Lambda, on `schedule` (a `rate()` expression).
    Lambda { period: Duration, schedule: String },
}

/// The JSON keys of the secret value, in the order consumers see them: for databases the
/// structure AWS's rotation templates read (engine, host, port, dbname, username, password).
pub(super) fn fields(c: CredentialType) -> &'static [&'static str] {
    match c {
        CredentialType::Database => &["engine", "host", "port", "dbname", "username", "password"],
        CredentialType::ApiKey => &["api_key"],
        CredentialType::Certificate => &["certificate", "private_key", "certificate_chain"],
        CredentialType::Generic => &["value"],
    }
}

/// `rate(N days)` when the period is whole days (two or more), else `rate(N hours)`.
pub(super) fn rate(period: Duration) -> String {
    let hours = period.secs() / HOUR;
    if hours.is_multiple_of(24) && hours >= 48 {
        format!("rate({} days)", hours / 24)
    } else {
        format!("rate({hours} hours)")
    }
}

fn rotator(s: &Settings, findings: &mut Vec<Finding>, decisions: &mut Vec<String>) -> Rotator {
    let period = s.rotation_period.unwrap_or(Duration::from_secs(90 * DAY));
    let lambda = |p: Duration| Rotator::Lambda {
        period: p,
        schedule: rate(p),
    };
    match (s.rotation, s.credential) {
        (Rotation::Manual, _) => Rotator::Manual,
        (_, CredentialType::Certificate) => {
            findings.push(findings::aws_certificate_falls_back(s.rotation));
            decisions.push(format!(
                "rotation_policy \"{}\" fell back to \"manual\" for the certificate: Secrets Manager has no certificate issuer; ACM renews only certificates it issued (ACM Private CA certificates can be exported with acm:ExportCertificate), so re-issue through ACM Private CA and write the new PEM bundle as a new version.",
                s.rotation
            ));
            Rotator::Manual
        }
        (_, CredentialType::Database) if !lambda_rotates(s.database.engine) => {
            findings.push(findings::aws_rotation_engine_falls_back(
                s.rotation,
                s.database.engine,
                sar_template(s.database.engine),
                managed_service(s).map(|m| m.describe()).as_deref(),
            ));
            decisions.push(format!(
                "rotation_policy \"{}\" fell back to \"manual\" for database.engine = \"{}\": the generated rotation function rotates PostgreSQL, Redshift, MySQL and MariaDB users only, so the plan emits no rotation function and no rotation schedule (a schedule whose function refuses the engine would fail every rotation); rotate it with AWS's {} rotation template from the Serverless Application Repository (alternating users), and allow that function's role in the secret's resource policy.",
                s.rotation,
                s.database.engine,
                sar_template(s.database.engine)
            ));
            Rotator::Manual
        }
        (Rotation::Automatic, _) => {
            if !period.secs().is_multiple_of(HOUR) {
                decisions.push(format!(
                    "rotation_period {} is rounded down to whole hours ({}) because a Secrets Manager rate() schedule counts hours or days.",
                    period.to_text(),
                    rate(period)
                ));
            }
            lambda(Duration::from_secs(period.secs() / HOUR * HOUR))
        }
        (Rotation::Dynamic, c) => {
            let fallback = Duration::from_secs(MIN_ROTATION);
            findings.push(findings::dynamic_falls_back(
                findings::NoDynamic::Aws { requested: period },
                c,
                fallback,
            ));
            decisions.push(format!(
                "rotation_policy \"dynamic\" fell back to \"automatic\" every {}: Secrets Manager cannot mint {c} credentials on demand, and rate(4 hours) is its shortest rotation schedule.",
                fallback.to_text()
            ));
            lambda(fallback)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// IAM documents

/// An IAM policy document; field names and order as AWS writes them.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct PolicyDocument {
    pub version: &'static str,
    pub statement: Vec<Statement>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Statement {
    pub sid: String,
    pub effect: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<Value>,
    pub action: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<String>,
    /// operator -> key -> values
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: BTreeMap<&'static str, BTreeMap<String, Value>>,
}

pub(super) fn statement(sid: &str, effect: &'static str, action: &[&'static str], resource: &[&str]) -> Statement {
    Statement {
        sid: sid.into(),
        effect,
        principal: None,
        action: action.to_vec(),
        resource: resource.iter().map(|r| r.to_string()).collect(),
        condition: BTreeMap::new(),
    }
}

impl Statement {
    pub(super) fn when(mut self, op: &'static str, key: impl Into<String>, value: Value) -> Statement {
        self.condition.entry(op).or_default().insert(key.into(), value);
        self
    }

    pub(super) fn principal(mut self, p: Value) -> Statement {
        self.principal = Some(p);
        self
    }
}

impl PolicyDocument {
    /// The document of one secret's statements, each Sid made unique to that secret.
    pub(super) fn new(n: &Names, mut statement: Vec<Statement>) -> PolicyDocument {
        for st in &mut statement {
            st.sid.push_str(&n.sid_suffix);
        }
        PolicyDocument {
            version: "2012-10-17",
            statement,
        }
    }
}

pub(super) fn document(n: &Names, statements: Vec<Statement>) -> String {
    render::json(&PolicyDocument::new(n, statements))
}

/// The customer-managed key's ARN, or `None` for the AWS-managed `aws/secretsmanager` key.
fn kms_key(s: &Settings) -> Option<(String, Option<String>)> {
    let id = s.aws.kms_key_id.as_ref()?;
    Some(if id.starts_with("arn:") {
        (id.clone(), None)
    } else if let Some(alias) = id.strip_prefix("alias/") {
        // An alias is not a key resource: grant on the account's keys that carry this alias.
        (
            format!("arn:aws:kms:{}:{}:key/*", s.aws.region, s.aws.account_id),
            Some(format!("alias/{alias}")),
        )
    } else {
        (format!("arn:aws:kms:{}:{}:key/{id}", s.aws.region, s.aws.account_id), None)
    })
}

fn kms_statement(s: &Settings, n: &Names, sid: &str, actions: &[&'static str], encryption_context: bool) -> Option<Statement> {
    let (key, alias) = kms_key(s)?;
    let mut st = statement(sid, "Allow", actions, &[&key]).when(
        "StringEquals",
        "kms:ViaService",
        json!(format!("secretsmanager.{}.amazonaws.com", s.aws.region)),
    );
    if encryption_context {
        st = st.when(
            "StringLike",
            "kms:EncryptionContext:SecretARN",
            json!(n.secret_arn.replace("-??????", "-*")),
        );
    }
    if let Some(alias) = alias {
        st = st.when("ForAnyValue:StringEquals", "kms:ResourceAliases", json!(alias));
    }
    Some(st)
}

fn read_policy(s: &Settings, n: &Names) -> String {
    document(n, read_statements(s, n))
}

fn read_statements(s: &Settings, n: &Names) -> Vec<Statement> {
    let mut st = vec![statement(
        "ReadTheSecret",
        "Allow",
        &["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
        &[&n.secret_arn],
    )];
    st.extend(kms_statement(s, n, "DecryptWithTheSecretsKey", &["kms:Decrypt"], false));
    st
}

fn write_policy(s: &Settings, n: &Names) -> String {
    let mut st = vec![statement(
        "WriteNewVersions",
        "Allow",
        &["secretsmanager:DescribeSecret", "secretsmanager:PutSecretValue"],
        &[&n.secret_arn],
    )];
    st.extend(kms_statement(s, n, "EncryptWithTheSecretsKey", &["kms:GenerateDataKey"], true));
    document(n, st)
}

fn rotation_policy(s: &Settings, n: &Names) -> String {
    let mut st = vec![
        statement(
            "RotateTheSecret",
            "Allow",
            &[
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
                "secretsmanager:PutSecretValue",
                "secretsmanager:UpdateSecretVersionStage",
            ],
            &[&n.secret_arn],
        ),
        // GetRandomPassword has no resource type: "*" is the narrowest resource it accepts.
        statement("GenerateNewValues", "Allow", &["secretsmanager:GetRandomPassword"], &["*"]),
        statement(
            "WriteOwnLogs",
            "Allow",
            &["logs:CreateLogStream", "logs:PutLogEvents"],
            &[&format!(
                "arn:aws:logs:{}:{}:log-group:/aws/lambda/{}:*",
                s.aws.region, s.aws.account_id, n.rotation_function
            )],
        ),
    ];
    st.push(statement(
        "SendFailedInvocationsToTheTopic",
        "Allow",
        &["sns:Publish"],
        &[&format!("arn:aws:sns:{}:{}:{}", s.aws.region, s.aws.account_id, n.topic)],
    ));
    // X-Ray's write actions have no resource type: "*" is the narrowest resource they accept.
    st.push(statement(
        "WriteTraces",
        "Allow",
        &["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
        &["*"],
    ));
    api_key_rotation_statements(s, &mut st);
    if s.credential == CredentialType::Database {
        // What AWSLambdaVPCAccessExecutionRole grants for the function's network interfaces,
        // without its logs actions on every log group: the changes are scoped to this account
        // and region, the two Describe actions have no resource type ("*" is their narrowest).
        st.push(statement(
            "ManageTheFunctionsNetworkInterfaces",
            "Allow",
            &[
                "ec2:AssignPrivateIpAddresses",
                "ec2:CreateNetworkInterface",
                "ec2:DeleteNetworkInterface",
                "ec2:UnassignPrivateIpAddresses",
            ],
            &[&format!("arn:aws:ec2:{}:{}:*", s.aws.region, s.aws.account_id)],
        ));
        st.push(statement(
            "DescribeTheFunctionsNetwork",
            "Allow",
            &["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
            &["*"],
        ));
        st.insert(
            1,
            statement(
                "ReadTheSuperuserSecretForAlternatingUsers",
                "Allow",
                &["secretsmanager:GetSecretValue"],
                &[&n.superuser_secret_arn],
            ),
        );
    }
    st.extend(kms_statement(
        s,
        n,
        "UseTheSecretsKey",
        &["kms:Decrypt", "kms:GenerateDataKey"],
        true,
    ));
    document(n, st)
}

fn lambda_trust(s: &Settings, n: &Names) -> String {
    document(
        n,
        vec![statement("LambdaAssumesTheRotationRole", "Allow", &["sts:AssumeRole"], &[])
            .principal(json!({"Service": "lambda.amazonaws.com"}))
            .when("StringEquals", "aws:SourceAccount", json!(s.aws.account_id))],
    )
}

/// The secret's resource policy: plain HTTP is refused, and only the planned readers may read
/// the value (AWS services acting for the account, such as rotation itself, are exempt).
fn resource_policy(s: &Settings, n: &Names, rot: &Rotator) -> String {
    document(n, resource_statements(s, n, rot))
}

fn resource_statements(s: &Settings, n: &Names, rot: &Rotator) -> Vec<Statement> {
    let mut readers = vec![n.consumer_role_arn.clone()];
    if matches!(rot, Rotator::Lambda { .. }) {
        readers.push(n.rotation_role_arn.clone());
    }
    let everyone = json!({"AWS": "*"});
    vec![
        statement("DenyNonTlsAccess", "Deny", &["secretsmanager:*"], &[&n.secret_arn])
            .principal(everyone.clone())
            .when("Bool", "aws:SecureTransport", json!("false")),
        statement("DenyOtherAccounts", "Deny", &["secretsmanager:*"], &[&n.secret_arn])
            .principal(everyone.clone())
            .when("StringNotEquals", "aws:PrincipalAccount", json!(s.aws.account_id))
            .when("BoolIfExists", "aws:PrincipalIsAWSService", json!("false")),
        statement(
            "DenyReadsByOtherPrincipals",
            "Deny",
            &["secretsmanager:GetSecretValue"],
            &[&n.secret_arn],
        )
        .principal(everyone)
        .when("StringNotEquals", "aws:PrincipalArn", json!(readers))
        .when("BoolIfExists", "aws:PrincipalIsAWSService", json!("false")),
    ]
}

/// The consumer role's trust policy, and the policy name suffix that says whom it trusts.
fn consumer_trust(s: &Settings, n: &Names) -> String {
    let n = &n.trusting();
    match s.target {
        Target::Kubernetes => {
            let oidc = eks_oidc(s);
            document(
                n,
                vec![
                    statement("IrsaForTheServiceAccount", "Allow", &["sts:AssumeRoleWithWebIdentity"], &[])
                        .principal(json!({"Federated": oidc_provider_arn(s, &oidc)}))
                        .when("StringEquals", format!("{oidc}:aud"), json!("sts.amazonaws.com"))
                        .when(
                            "StringEquals",
                            format!("{oidc}:sub"),
                            json!(format!(
                                "system:serviceaccount:{}:{}",
                                s.kubernetes.namespace, s.kubernetes.service_account
                            )),
                        ),
                ],
            )
        }
        Target::Cicd => cicd::trust(s, n),
        Target::Application => document(
            n,
            vec![statement("EcsTasksAssumeTheRole", "Allow", &["sts:AssumeRole"], &[])
                .principal(json!({"Service": "ecs-tasks.amazonaws.com"}))
                .when("StringEquals", "aws:SourceAccount", json!(s.aws.account_id))
                .when(
                    "ArnLike",
                    "aws:SourceArn",
                    json!(format!("arn:aws:ecs:{}:{}:*", s.aws.region, s.aws.account_id)),
                )],
        ),
    }
}

/// EKS Pod Identity: the alternative to IRSA (no OIDC provider; ESO then uses its own identity).
fn pod_identity_trust(s: &Settings, n: &Names) -> String {
    let n = &n.trusting();
    document(
        n,
        vec![
            statement("EksPodIdentityAssumesTheRole", "Allow", &["sts:AssumeRole", "sts:TagSession"], &[])
                .principal(json!({"Service": "pods.eks.amazonaws.com"}))
                .when("StringEquals", "aws:SourceAccount", json!(s.aws.account_id))
                .when("StringEquals", "aws:RequestTag/kubernetes-namespace", json!(s.kubernetes.namespace))
                .when(
                    "StringEquals",
                    "aws:RequestTag/kubernetes-service-account",
                    json!(s.kubernetes.service_account),
                ),
        ],
    )
}

fn policies(s: &Settings, n: &Names, rot: &Rotator) -> Vec<AccessPolicy> {
    let p = |name: String, kind: PolicyType, doc: String, scope: &str| {
        // The consumer role's trust is the workload's; every other document is the secret's.
        let consumer_trust = kind == PolicyType::IamTrustPolicy && scope == n.consumer_role_arn;
        let attach_to = match kind {
            _ if consumer_trust || name == n.read_policy => AttachTo::consumer(s.target),
            _ if name == n.write_policy => AttachTo::Writer,
            // Applied to the secret itself by whoever runs Terraform.
            PolicyType::ResourcePolicy => AttachTo::Deployer,
            _ => AttachTo::Rotator,
        };
        AccessPolicy {
            policy_name: name,
            policy_type: kind,
            policy_document: doc,
            scope: scope.to_string(),
            secret: if consumer_trust { String::new() } else { s.secret_key() },
            attach_to,
        }
    };
    let mut out = vec![
        p(n.read_policy.clone(), PolicyType::IamPolicy, read_policy(s, n), &n.secret_arn),
        p(
            format!("{}-trust", n.role),
            PolicyType::IamTrustPolicy,
            consumer_trust(s, n),
            &n.consumer_role_arn,
        ),
    ];
    if s.target == Target::Kubernetes {
        out.push(p(
            format!("{}-pod-identity-trust", n.role),
            PolicyType::IamTrustPolicy,
            pod_identity_trust(s, n),
            &n.consumer_role_arn,
        ));
    }
    // People write a third-party key the reminder asks for, as they do a manual secret.
    if matches!(rot, Rotator::Lambda { .. }) && api_key_rotation(s) == Some(ApiKeyRotation::Reminder) {
        out.push(p(n.write_policy.clone(), PolicyType::IamPolicy, write_policy(s, n), &n.secret_arn));
    }
    match rot {
        Rotator::Manual => out.push(p(n.write_policy.clone(), PolicyType::IamPolicy, write_policy(s, n), &n.secret_arn)),
        Rotator::Lambda { .. } => {
            out.push(p(
                n.rotation_role.clone(),
                PolicyType::IamPolicy,
                rotation_policy(s, n),
                &n.secret_arn,
            ));
            out.push(p(
                format!("{}-trust", n.rotation_role),
                PolicyType::IamTrustPolicy,
                lambda_trust(s, n),
                &n.rotation_role_arn,
            ));
        }
    }
    out.push(p(
        format!("{}-secret-resource-policy", n.stem),
        PolicyType::ResourcePolicy,
        resource_policy(s, n, rot),
        &n.secret_arn,
    ));
    out
}

// ---------------------------------------------------------------------------------------------
// The secret definition (CreateSecret input)

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct SecretDefinition {
    name: String,
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    kms_key_id: Option<String>,
    tags: Vec<Tag>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Tag {
    key: &'static str,
    value: String,
}

fn tags(s: &Settings) -> Vec<Tag> {
    vec![
        Tag {
            key: "environment",
            value: s.environment.clone(),
        },
        Tag {
            key: "workload",
            value: s.name.clone(),
        },
        Tag {
            key: "credential-type",
            value: s.credential.to_string(),
        },
        Tag {
            key: "managed-by",
            value: "secretsint".into(),
        },
    ]
}

fn description(s: &Settings) -> String {
    format!("{} for {} ({})", s.credential, s.name, s.environment)
}

fn secret_definition(s: &Settings, n: &Names) -> String {
    render::json(&SecretDefinition {
        name: n.secret_name.clone(),
        description: description(s),
        kms_key_id: s.aws.kms_key_id.clone(),
        tags: tags(s),
    })
}

// ---------------------------------------------------------------------------------------------
// The plan

pub fn plan(s: &Settings) -> Plan {
    let n = names(s);
    let mut decisions = Vec::new();
    let mut findings = Vec::new();
    let rot = rotator(s, &mut findings, &mut decisions);
    let access_policies = policies(s, &n, &rot);
    let mut scripts = rotation_scripts(s, &n, &rot);
    let mut manifests = Vec::new();

    decisions.push(format!(
        "The secret is named {} (its ARN ends in a random six-character suffix, so policies name it as {}); the plan writes no secret value: the first version is put by whoever owns the credential.",
        n.secret_name, n.secret_arn
    ));
    decisions.push(match kms_key(s) {
        Some((key, _)) => format!(
            "The secret is encrypted with the customer-managed key {key}; readers get kms:Decrypt on it only through Secrets Manager (kms:ViaService), and the key policy must allow the same roles."
        ),
        None => "The secret is encrypted with the AWS-managed key aws/secretsmanager, which needs no KMS grant within the account; set aws.kms_key_id for a customer-managed key (required for cross-account reads).".into(),
    });
    decisions.push(format!(
        "The secret's resource policy denies requests without TLS, requests from other accounts, and reads by any principal except {}; Terraform sets block_public_policy so no later policy can open it.",
        match rot {
            Rotator::Lambda { .. } => format!("the consumer role {} and the rotation role {}", n.role, n.rotation_role),
            Rotator::Manual => format!("the consumer role {}", n.role),
        }
    ));
    decisions.push(format!(
        "Deleting the secret keeps it recoverable for {RECOVERY_WINDOW_DAYS} days (recovery_window_in_days)."
    ));
    rotation_decisions(s, &n, &rot, &scripts, &mut decisions, &mut findings);
    if let Some(m) = managed_master(s) {
        decisions.push(managed_master_decision(&m));
    }
    // Alternating users keep the previous credential until the next rotation; one user's
    // password changing in place, or an overwritten value, stops the old one at once.
    let replaced = match rot {
        Rotator::Manual => Replaced::NotRotated,
        // A reminder replaces nothing: people rotate the third-party key.
        Rotator::Lambda { .. } if api_key_rotation(s) == Some(ApiKeyRotation::Reminder) => Replaced::NotRotated,
        Rotator::Lambda { period, .. } if alternates(s) => Replaced::Overlapping { period, overlap: period },
        Rotator::Lambda { period, .. } => Replaced::AtOnce { period },
    };
    let (refresh, refresh_finding) = window::refresh(s, resync(&rot));
    window::apply(s, replaced, refresh, &mut scripts, &mut decisions, &mut findings);
    findings.extend(refresh_finding);

    match s.target {
        Target::Kubernetes => kubernetes_target(s, &n, &rot, &mut manifests, &mut decisions),
        Target::Cicd => cicd::plan(s, &n, &mut manifests, &mut decisions),
        Target::Application => decisions.push(format!(
            "The application runs as the ECS task role {} (trusted by ecs-tasks.amazonaws.com from this account only), which holds {}; on EC2 or Lambda give the same policy to that execution role instead.",
            n.role, n.read_policy
        )),
    }
    decisions.extend(platform::decision(s));
    if matches!(rot, Rotator::Lambda { .. }) {
        // The function's package: its handler as the runtime loads it, and every package it
        // imports, pinned (the Lambda runtime's own boto3 changes under the function otherwise).
        manifests.push(DeploymentManifest::new(
            ManifestType::Terraform,
            LAMBDA_HANDLER_PATH,
            scripts.rotation_logic.clone(),
        ));
        manifests.push(DeploymentManifest::new(
            ManifestType::Terraform,
            LAMBDA_REQUIREMENTS_PATH,
            lambda_requirements(),
        ));
    }
    manifests.push(DeploymentManifest::new(
        ManifestType::Terraform,
        "terraform/aws.tf",
        render::hcl(&terraform(s, &n, &rot, &access_policies)),
    ));
    manifests.push(DeploymentManifest::new(
        ManifestType::Cloudformation,
        "cloudformation/secret.json",
        cloudformation(s, &n, &rot),
    ));
    decisions.push(format!(
        "cloudformation/secret.json declares the same secret, resource policy and {} policy for stacks managed with CloudFormation{}; use it or terraform/aws.tf, not both.",
        n.read_policy,
        if matches!(rot, Rotator::Lambda { .. }) {
            " (its rotation schedule takes the deployed function's ARN as the RotationLambdaArn parameter)"
        } else {
            ""
        }
    ));

    Plan {
        // Set by planner::plan_unchecked, which knows the settings of every backend.
        workload: String::new(),
        secrets: Vec::new(),
        identity: Default::default(),
        labelled: false,
        secrets_config: SecretsConfig {
            backend_endpoint: s.backend_endpoint(),
            authentication_method: s.default_auth_method(),
            secret_path: s.logical_secret_path(),
            config_format: ConfigFormat::Json,
            config_file: Some(secret_definition(s, &n)),
        },
        access_policies,
        integration_code: Vec::new(),
        rotation_scripts: Some(scripts),
        deployment_manifests: manifests,
        decisions,
        findings,
        placeholders: Vec::new(),
        platform_files: platform::files(s),
    }
}

fn rotation_decisions(s: &Settings, n: &Names, rot: &Rotator, scripts: &RotationScripts, d: &mut Vec<String>, findings: &mut Vec<Finding>) {
    match rot {
        Rotator::Manual => d.push(format!(
            "Rotation is manual: write a new version with `aws secretsmanager put-secret-value --secret-id {} --secret-string file://new-{}.json` under the {} policy; AWSCURRENT moves to it and the old version becomes AWSPREVIOUS.",
            n.secret_name,
            s.leaf(),
            n.write_policy
        )),
        Rotator::Lambda { period, schedule } => {
            if let Some(mode) = api_key_rotation(s) {
                api_key_decisions(s, n, &mode, *period, schedule, d, findings);
            } else {
            d.push(format!(
                "The Lambda {} rotates the secret on {schedule} (every {}) through createSecret, setSecret, testSecret and finishSecret, staging the new version AWSPENDING until it is tested; Secrets Manager invokes it under a permission limited to this account (aws:SourceAccount, not aws:SourceArn, so one function can serve several secrets).",
                n.rotation_function,
                period.to_text()
            ));
            }
            d.push(format!(
                "EventBridge rule {} sends RotationSucceeded, RotationFailed and RotationAbandoned (CloudTrail service events) of {} only (its pattern matches the secret's ARN in additionalEventData.SecretId, so no other secret's outcomes reach this topic) to the SNS topic {}; subscribe the on-call address to it.",
                n.event_rule, n.secret_name, n.topic
            ));
            d.push(format!(
                "The function traces to X-Ray, keeps 2 reserved concurrent executions, and sends an invocation that fails asynchronously to the topic {} as its dead-letter target.",
                n.topic
            ));
            d.push(format!(
                "Package the function from {LAMBDA_HANDLER_PATH} (rotation/{} with the name the runtime loads) and the pins in {LAMBDA_REQUIREMENTS_PATH} ({}): `pip install --target build -r {LAMBDA_REQUIREMENTS_PATH}`, copy the handler into build/ and zip build/ as rotation_lambda.zip; Terraform reads it from var.rotation_lambda_zip. The package carries its own boto3 so a runtime update cannot change the SDK under it.",
                crate::planner::versions::rotation_logic_filename(scripts),
                lambda_requirements().trim_end().replace('\n', ", ")
            ));
            d.push("The rotation resource sets rotate_immediately = false (RotateImmediatelyOnUpdate in CloudFormation): enabling rotation starts none, and the first rotation waits for the schedule, so put the secret's first version after the apply and before then.".into());
            if s.credential == CredentialType::Database {
                // The function rotates only engines it alternates users on (alternates()).
                d.push(                    format!(
                        "Database rotation alternates users (AWS's multi-user strategy): the function logs in with the superuser secret {} (SUPERUSER_SECRET_ID; create it before the first rotation with the username and password of a user allowed to {}, and engine, host, port and dbname where they differ from the rotated secret's; the rotation role may read {}), creates <username>_clone {} the first time, and each rotation sets a new password on whichever of the two is not current, so the previous credential keeps working until the next rotation. A secret's own \"masterarn\" names another superuser secret.",
                        n.superuser_secret_name,
                        match s.database.engine {
                            DbEngine::Mysql => "create users and grant what the application user holds",
                            DbEngine::Redshift => "create users and add users to groups (a Redshift superuser)",
                            _ => "create roles",
                        },
                        n.superuser_secret_arn,
                        match s.database.engine {
                            DbEngine::Mysql => "at host '%' with every grant SHOW GRANTS lists for <username>@'%' (so it has the same privileges; grant later privileges to both)",
                            DbEngine::Redshift => "with CREATE USER and adds it to every group <username> belongs to (pg_group; Redshift has no role inheritance, so privileges granted to <username> directly rather than to a group do not carry over: grant them to a group, or to both users)",
                            _ => "as a member of <username> (so it has the same privileges)",
                        }
                    ));
                d.push("The function runs in the database's VPC (var.rotation_subnet_ids, var.rotation_security_group_ids; the rotation policy grants the network-interface actions of AWSLambdaVPCAccessExecutionRole itself, without that managed policy's logs actions on every log group) and reaches Secrets Manager through a secretsmanager interface VPC endpoint or a NAT gateway; it verifies the database's TLS certificate (for RDS and Aurora put the RDS CA bundle global-bundle.pem into the zip and set DB_CA_BUNDLE to it) unless the secret sets \"ssl\": false.".into());
                d.push(managed_rotation_advice(s));
            } else if api_key_rotation(s).is_none() {
                d.push(format!(
                    "Each rotation writes a new random {} (GetRandomPassword, 32 characters){}.",
                    fields(s.credential)[0],
                    if s.credential == CredentialType::ApiKey {
                        ": the key is self-issued (api_key.issuer = \"self\"), so the service that checks it must read this secret"
                    } else {
                        ""
                    }
                ));
            }
        }
    }
}

fn rotation_scripts(s: &Settings, n: &Names, rot: &Rotator) -> RotationScripts {
    match rot {
        Rotator::Manual => RotationScripts {
            overlap: String::new(),
            max_staleness: String::new(),
            rotation_type: RotationType::None,
            schedule: "manual".into(),
            // What a manual rotation does, as data: no value, and no key a scanner reads as one.
            rotation_logic: render::json(&json!({
                "operation": "secretsmanager:PutSecretValue",
                "target": n.secret_name,
                "policy": n.write_policy,
                "stages_after_write": {"new_version": "AWSCURRENT", "old_version": "AWSPREVIOUS"},
            })),
            notification: format!(
                "CloudTrail records every PutSecretValue on {} (a management event); alert on it with an EventBridge rule if writes must be reviewed.",
                n.secret_name
            ),
        },
        Rotator::Lambda { schedule, .. } => RotationScripts {
            overlap: String::new(),
            max_staleness: String::new(),
            rotation_type: RotationType::Lambda,
            schedule: schedule.clone(),
            rotation_logic: lambda_source(s, n),
            notification: format!(
                "EventBridge rule {} publishes the RotationSucceeded, RotationFailed and RotationAbandoned events of {} to SNS topic {}.",
                n.event_rule, n.secret_name, n.topic
            ),
        },
    }
}

/// Whether the rotation function alternates database users: PostgreSQL (a clone that is a
/// member of the user: CREATE ROLE … IN ROLE), Redshift (a clone that joins the user's groups, as
/// AWS's Redshift multi-user template does) and MySQL/MariaDB (a clone given every grant SHOW
/// GRANTS lists); other engines get no function at all.
pub(super) fn alternates(s: &Settings) -> bool {
    s.credential == CredentialType::Database && lambda_rotates(s.database.engine)
}

/// The engines the generated rotation function speaks (pg8000 for PostgreSQL and Redshift,
/// PyMySQL for MySQL and MariaDB).
pub(super) fn lambda_rotates(engine: DbEngine) -> bool {
    matches!(engine, DbEngine::Postgresql | DbEngine::Redshift | DbEngine::Mysql)
}

/// AWS's own alternating-users rotation template for an engine our function does not speak.
fn sar_template(engine: DbEngine) -> &'static str {
    match engine {
        DbEngine::Mssql => "SecretsManagerRDSSQLServerRotationMultiUser",
        DbEngine::Oracle => "SecretsManagerRDSOracleRotationMultiUser",
        DbEngine::Mongodb => "SecretsManagerMongoDBRotationMultiUser",
        DbEngine::Mysql => "SecretsManagerRDSMySQLRotationMultiUser",
        DbEngine::Postgresql => "SecretsManagerRDSPostgreSQLRotationMultiUser",
        DbEngine::Redshift => "SecretsManagerRedshiftRotationMultiUser",
    }
}

fn lambda_kind(s: &Settings) -> &'static str {
    if s.credential == CredentialType::Database {
        "database"
    } else {
        "value"
    }
}

/// The rotation function's requirements.txt: boto3 at the version our Python code is written
/// against, and pg8000 and PyMySQL, which the database rotation imports. One function serves
/// every kind and engine (ROTATION_KIND and the secret's engine are read at run time), so every
/// package carries both drivers.
fn lambda_requirements() -> String {
    let sdk = crate::planner::versions::sdk(Backend::AwsSecrets, Language::Python);
    format!("{}=={}\n{PG8000}\n{PYMYSQL}\n", sdk.package, sdk.version)
}

pub(super) fn lambda_source(s: &Settings, n: &Names) -> String {
    if let Some(mode) = api_key_rotation(s) {
        return api_key_lambda_source(n, &mode);
    }
    static LAMBDA: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    template::fill_in(
        with_finish_secret(&LAMBDA, LAMBDA_SOURCE),
        Syntax::Python,
        &[
            ("SECRET_NAME", Var::from(n.secret_name.as_str())),
            ("CREDENTIAL", Var::from(s.credential.as_str())),
            ("KIND", Var::from(lambda_kind(s))),
            ("FIELD", Var::from(fields(s.credential)[0])),
        ],
    )
    .0
}

/// The errors [`plan`] raises, found without rendering anything (what `validate` checks).
pub fn errors(s: &Settings) -> Vec<Finding> {
    let rot = rotator(s, &mut Vec::new(), &mut Vec::new());
    window::refresh(s, resync(&rot)).1.into_iter().collect()
}
