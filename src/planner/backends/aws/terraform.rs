//! The Terraform of AWS plans (hashicorp/aws 5.x).

use super::*;
use hcl::expr::{BinaryOp, BinaryOperator};

// ---------------------------------------------------------------------------------------------
// Terraform (hashicorp/aws 5.x)

pub(super) fn quoted_obj(pairs: &[(&str, Expression)]) -> Expression {
    let mut o = Object::new();
    for (k, v) in pairs {
        o.insert(ObjectKey::Expression(Expression::String(k.to_string())), v.clone());
    }
    Expression::Object(o)
}

pub(super) fn r(root: &str, attrs: &[&str]) -> Expression {
    tf::traversal(root, attrs)
}

pub(super) fn var(name: &str) -> Expression {
    Expression::from(Traversal::builder(Variable::unchecked("var")).attr(name).build())
}

pub(super) fn policy_doc<'a>(policies: &'a [AccessPolicy], name: &str) -> &'a str {
    policies
        .iter()
        .find(|p| p.policy_name == name)
        .map(|p| p.policy_document.as_str())
        .unwrap_or_default()
}

pub(super) fn variable(name: &str, ty: &str, description: &str, default: Option<Expression>) -> Block {
    let mut b = Block::builder(tf::key("variable"))
        .add_label(name)
        .add_attribute((tf::key("type"), Expression::Variable(Variable::unchecked(ty))))
        .add_attribute((tf::key("description"), description));
    if let Some(d) = default {
        b = b.add_attribute((tf::key("default"), d));
    }
    b.build()
}

pub(super) fn list_of_strings() -> &'static str {
    "list(string)"
}

/// `terraform { required_providers { aws } }`, the same in workload and platform files.
pub(super) fn required_providers() -> Block {
    Block::builder(tf::key("terraform"))
        .add_block(
            Block::builder(tf::key("required_providers"))
                .add_attribute((
                    tf::key("aws"),
                    tf::obj(&[("source", "hashicorp/aws".into()), ("version", ">= 5.100.0".into())]),
                ))
                .build(),
        )
        .build()
}

/// The `aws` provider in the planned region, refusing any other account.
pub(super) fn provider_block(s: &Settings) -> Block {
    Block::builder(tf::key("provider"))
        .add_label("aws")
        .add_attribute((tf::key("region"), s.aws.region.as_str()))
        .add_attribute((tf::key("allowed_account_ids"), vec![s.aws.account_id.clone()]))
        .build()
}

pub(super) fn terraform(s: &Settings, n: &Names, rot: &Rotator, policies: &[AccessPolicy]) -> Body {
    let mut b = Body::builder().add_block(required_providers()).add_block(provider_block(s));
    if matches!(rot, Rotator::Lambda { .. }) {
        b = b.add_block(variable(
            "rotation_lambda_zip",
            "string",
            "Path of the zip holding the rotation function as lambda_function.py",
            Some("rotation_lambda.zip".into()),
        ));
        if s.credential == CredentialType::Database {
            b = b
                .add_block(variable(
                    "rotation_subnet_ids",
                    list_of_strings(),
                    "Subnets from which the rotation function reaches the database",
                    None,
                ))
                .add_block(variable(
                    "rotation_security_group_ids",
                    list_of_strings(),
                    "Security groups allowed to connect to the database",
                    None,
                ));
        }
    }
    let tag_obj = quoted_obj(
        &tags(s)
            .iter()
            .map(|t| (t.key, Expression::String(t.value.clone())))
            .collect::<Vec<_>>(),
    );
    let mut secret = tf::resource("aws_secretsmanager_secret", "app")
        .add_attribute((tf::key("name"), n.secret_name.as_str()))
        .add_attribute((tf::key("description"), description(s)));
    if let Some(key) = &s.aws.kms_key_id {
        secret = secret.add_attribute((tf::key("kms_key_id"), key.as_str()));
    }
    b = b
        .add_block(
            secret
                .add_attribute((tf::key("recovery_window_in_days"), RECOVERY_WINDOW_DAYS))
                .add_attribute((tf::key("tags"), tag_obj))
                .build(),
        )
        .add_block(
            tf::resource("aws_secretsmanager_secret_policy", "app")
                .add_attribute((tf::key("secret_arn"), r("aws_secretsmanager_secret", &["app", "arn"])))
                .add_attribute((
                    "policy",
                    tf::heredoc(policy_doc(policies, &format!("{}-secret-resource-policy", n.stem))),
                ))
                .add_attribute((tf::key("block_public_policy"), true))
                .build(),
        )
        .add_block(
            tf::resource("aws_iam_policy", "read")
                .add_attribute((tf::key("name"), n.read_policy.as_str()))
                .add_attribute((tf::key("description"), format!("Read {}", n.secret_name)))
                .add_attribute((tf::key("policy"), tf::heredoc(policy_doc(policies, &n.read_policy))))
                .build(),
        );
    let oidc = platform::oidc_provider(s);
    if let Some(oidc) = &oidc {
        for block in oidc.reference(s) {
            b = b.add_block(block);
        }
    }
    let mut consumer = tf::resource("aws_iam_role", "consumer")
        .add_attribute((tf::key("name"), n.role.as_str()))
        .add_attribute((
            "assume_role_policy",
            tf::heredoc(policy_doc(policies, &format!("{}-trust", n.role))),
        ))
        .add_attribute((tf::key("max_session_duration"), HOUR));
    if let Some(oidc) = &oidc {
        // IAM refuses a trust policy naming a provider that does not exist: the role waits for
        // the platform's provider to be read.
        consumer = consumer.add_block(oidc.precondition(s));
    }
    b = b.add_block(consumer.build()).add_block(
        tf::resource("aws_iam_role_policy_attachment", "consumer_read")
            .add_attribute((tf::key("role"), r("aws_iam_role", &["consumer", "name"])))
            .add_attribute((tf::key("policy_arn"), r("aws_iam_policy", &["read", "arn"])))
            .build(),
    );
    match rot {
        Rotator::Manual => {
            b = b.add_block(
                tf::resource("aws_iam_policy", "write")
                    .add_attribute((tf::key("name"), n.write_policy.as_str()))
                    .add_attribute((tf::key("description"), format!("Write new versions of {}", n.secret_name)))
                    .add_attribute((tf::key("policy"), tf::heredoc(policy_doc(policies, &n.write_policy))))
                    .build(),
            );
        }
        Rotator::Lambda { schedule, .. } => {
            if api_key_rotation(s) == Some(ApiKeyRotation::Reminder) {
                b = b.add_block(
                    tf::resource("aws_iam_policy", "write")
                        .add_attribute((tf::key("name"), n.write_policy.as_str()))
                        .add_attribute((tf::key("description"), format!("Write new versions of {}", n.secret_name)))
                        .add_attribute((tf::key("policy"), tf::heredoc(policy_doc(policies, &n.write_policy))))
                        .build(),
                );
            }
            for block in rotation_blocks(s, n, schedule, policies) {
                b = b.add_block(block);
            }
        }
    }
    if let Some(m) = managed_master(s) {
        for block in managed_master_blocks(&m) {
            b = b.add_block(block);
        }
    }
    b.build()
}

/// The master password's managed rotation belongs to whoever declares the database instance or
/// cluster, not to one of the workloads on it: the workload declares no rotation of the master
/// secret. Where a data source can tell (RDS instances and clusters) it reads the database and
/// fails the apply unless the service manages the master password, which its decisions rely on.
pub(super) fn managed_master_blocks(m: &ManagedService) -> Vec<Block> {
    let (resource, argument) = m.switch();
    let (data, key, what) = match m {
        ManagedService::RdsInstance(_) => ("aws_db_instance", "db_instance_identifier", "The RDS instance"),
        ManagedService::RdsCluster(_) => ("aws_rds_cluster", "cluster_identifier", "The DB cluster"),
        // Neither service has a data source that exposes its managed master secret.
        ManagedService::Redshift(_) | ManagedService::DocumentDb(_) => return Vec::new(),
    };
    let postcondition = Block::builder(tf::key("lifecycle"))
        .add_block(
            Block::builder(tf::key("postcondition"))
                .add_attribute((
                    tf::key("condition"),
                    Expression::from(BinaryOp::new(
                        FuncCall::builder("length").arg(r("self", &["master_user_secret"])).build(),
                        BinaryOperator::Greater,
                        0u64,
                    )),
                ))
                .add_attribute((
                    tf::key("error_message"),
                    format!(
                        "{what} {} does not manage its master password in Secrets Manager: set {argument} = true on its {resource}.",
                        m.id()
                    ),
                ))
                .build(),
        )
        .build();
    vec![Block::builder(tf::key("data"))
        .add_label(data)
        .add_label("database")
        .add_attribute((tf::key(key), m.id()))
        .add_block(postcondition)
        .build()]
}

pub(super) fn rotation_blocks(s: &Settings, n: &Names, schedule: &str, policies: &[AccessPolicy]) -> Vec<Block> {
    let db = s.credential == CredentialType::Database;
    let mut out = vec![
        tf::resource("aws_iam_role", "rotation")
            .add_attribute((tf::key("name"), n.rotation_role.as_str()))
            .add_attribute((
                "assume_role_policy",
                tf::heredoc(policy_doc(policies, &format!("{}-trust", n.rotation_role))),
            ))
            .build(),
        tf::resource("aws_iam_policy", "rotation")
            .add_attribute((tf::key("name"), n.rotation_role.as_str()))
            .add_attribute((tf::key("description"), format!("Rotate {}", n.secret_name)))
            .add_attribute((tf::key("policy"), tf::heredoc(policy_doc(policies, &n.rotation_role))))
            .build(),
        tf::resource("aws_iam_role_policy_attachment", "rotation")
            .add_attribute((tf::key("role"), r("aws_iam_role", &["rotation", "name"])))
            .add_attribute((tf::key("policy_arn"), r("aws_iam_policy", &["rotation", "arn"])))
            .build(),
    ];
    out.push(
        tf::resource("aws_cloudwatch_log_group", "rotation")
            .add_attribute((tf::key("name"), format!("/aws/lambda/{}", n.rotation_function)))
            .add_attribute((tf::key("retention_in_days"), LOG_RETENTION_DAYS))
            .build(),
    );
    let mut env = vec![("ROTATION_KIND", Expression::String(lambda_kind(s).into()))];
    if !db {
        env.push(("VALUE_FIELD", Expression::String(fields(s.credential)[0].into())));
    }
    if alternates(s) {
        env.push(("SUPERUSER_SECRET_ID", Expression::String(n.superuser_secret_name.clone())));
    }
    let mut function = tf::resource("aws_lambda_function", "rotation")
        .add_attribute((tf::key("function_name"), n.rotation_function.as_str()))
        .add_attribute((tf::key("description"), format!("Rotates {}", n.secret_name)))
        .add_attribute((tf::key("role"), r("aws_iam_role", &["rotation", "arn"])))
        .add_attribute((tf::key("runtime"), LAMBDA_RUNTIME))
        .add_attribute((tf::key("handler"), "lambda_function.lambda_handler"))
        .add_attribute((tf::key("filename"), var("rotation_lambda_zip")))
        .add_attribute((
            "source_code_hash",
            Expression::from(FuncCall::builder("filebase64sha256").arg(var("rotation_lambda_zip")).build()),
        ))
        .add_attribute((tf::key("timeout"), 30u64))
        // Secrets Manager runs one rotation step at a time per secret; two leaves room for a retry.
        .add_attribute((tf::key("reserved_concurrent_executions"), 2u64))
        .add_block(
            Block::builder(tf::key("tracing_config"))
                .add_attribute((tf::key("mode"), "Active"))
                .build(),
        )
        .add_block(
            Block::builder(tf::key("dead_letter_config"))
                .add_attribute((tf::key("target_arn"), r("aws_sns_topic", &["rotation", "arn"])))
                .build(),
        )
        .add_block(
            Block::builder(tf::key("environment"))
                .add_attribute((tf::key("variables"), tf::obj(&env)))
                .build(),
        );
    if db {
        function = function.add_block(
            Block::builder(tf::key("vpc_config"))
                .add_attribute((tf::key("subnet_ids"), var("rotation_subnet_ids")))
                .add_attribute((tf::key("security_group_ids"), var("rotation_security_group_ids")))
                .build(),
        );
    }
    // `depends_on` lists resource addresses: (type, name) pairs.
    let depends = |refs: &[(&str, &str)]| Expression::Array(refs.iter().map(|(kind, name)| r(kind, &[name])).collect());
    out.push(
        function
            .add_attribute((
                "depends_on",
                depends(&[
                    ("aws_cloudwatch_log_group", "rotation"),
                    ("aws_iam_role_policy_attachment", "rotation"),
                ]),
            ))
            .build(),
    );
    out.push(
        tf::resource("aws_lambda_permission", "secretsmanager")
            .add_attribute((tf::key("statement_id"), "AllowSecretsManagerInvoke"))
            .add_attribute((tf::key("action"), "lambda:InvokeFunction"))
            .add_attribute((tf::key("function_name"), r("aws_lambda_function", &["rotation", "function_name"])))
            .add_attribute((tf::key("principal"), "secretsmanager.amazonaws.com"))
            .add_attribute((tf::key("source_account"), s.aws.account_id.as_str()))
            .build(),
    );
    out.push(
        tf::resource("aws_secretsmanager_secret_rotation", "app")
            .add_attribute((tf::key("secret_id"), r("aws_secretsmanager_secret", &["app", "id"])))
            .add_attribute((tf::key("rotation_lambda_arn"), r("aws_lambda_function", &["rotation", "arn"])))
            // The first version is put after apply; rotating at once would find no AWSCURRENT.
            .add_attribute((tf::key("rotate_immediately"), false))
            .add_block(
                Block::builder(tf::key("rotation_rules"))
                    .add_attribute((tf::key("schedule_expression"), schedule))
                    .build(),
            )
            .add_attribute((tf::key("depends_on"), depends(&[("aws_lambda_permission", "secretsmanager")])))
            .build(),
    );
    let rule_arn = format!("arn:aws:events:{}:{}:rule/{}", s.aws.region, s.aws.account_id, n.event_rule);
    let topic_arn = format!("arn:aws:sns:{}:{}:{}", s.aws.region, s.aws.account_id, n.topic);
    out.push(
        tf::resource("aws_sns_topic", "rotation")
            .add_attribute((tf::key("name"), n.topic.as_str()))
            .build(),
    );
    out.push(
        tf::resource("aws_sns_topic_policy", "rotation")
            .add_attribute((tf::key("arn"), r("aws_sns_topic", &["rotation", "arn"])))
            .add_attribute((
                "policy",
                tf::heredoc(&document(
                    n,
                    vec![
                        statement("EventBridgePublishesRotationEvents", "Allow", &["sns:Publish"], &[&topic_arn])
                            .principal(json!({"Service": "events.amazonaws.com"}))
                            .when("ArnEquals", "aws:SourceArn", json!(rule_arn)),
                    ],
                )),
            ))
            .build(),
    );
    out.push(
        tf::resource("aws_cloudwatch_event_rule", "rotation")
            .add_attribute((tf::key("name"), n.event_rule.as_str()))
            .add_attribute((tf::key("description"), format!("Rotation outcomes of {}", n.secret_name)))
            .add_attribute((tf::key("event_pattern"), rotation_event_pattern()))
            .build(),
    );
    out.push(
        tf::resource("aws_cloudwatch_event_target", "rotation")
            .add_attribute((tf::key("rule"), r("aws_cloudwatch_event_rule", &["rotation", "name"])))
            .add_attribute((tf::key("target_id"), "sns"))
            .add_attribute((tf::key("arn"), r("aws_sns_topic", &["rotation", "arn"])))
            .build(),
    );
    out
}

/// The rule's pattern: this secret's rotation outcomes only. Secrets Manager logs them as
/// CloudTrail service events whose `additionalEventData.SecretId` is the secret's ARN, so every
/// secret's rule (and topic) hears its own, however many secrets the account holds.
fn rotation_event_pattern() -> Expression {
    let strings = |items: &[&str]| Expression::Array(items.iter().map(|i| Expression::from(*i)).collect());
    let key = |k: &str| hcl::ObjectKey::Expression(Expression::from(k));
    let mut detail = hcl::Object::new();
    detail.insert(key("eventSource"), strings(&["secretsmanager.amazonaws.com"]));
    detail.insert(key("eventName"), strings(EVENT_NAMES));
    detail.insert(
        key("additionalEventData"),
        tf::obj(&[(
            "SecretId",
            Expression::Array(vec![tf::traversal("aws_secretsmanager_secret", &["app", "arn"])]),
        )]),
    );
    let mut pattern = hcl::Object::new();
    pattern.insert(key("source"), strings(&["aws.secretsmanager"]));
    pattern.insert(key("detail-type"), strings(&["AWS Service Event via CloudTrail"]));
    pattern.insert(key("detail"), Expression::Object(detail));
    Expression::from(FuncCall::builder("jsonencode").arg(Expression::Object(pattern)).build())
}
