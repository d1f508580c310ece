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

pub(super) fn terraform(s: &Settings, n: &Names, rot: &Rotator, policies: &[AccessPolicy]) -> Body {
    let mut b = Body::builder()
        .add_block(
            Block::builder(tf::key("terraform"))
                .add_block(
                    Block::builder(tf::key("required_providers"))
                        .add_attribute((
                            tf::key("aws"),
                            tf::obj(&[("source", "hashicorp/aws".into()), ("version", ">= 5.100.0".into())]),
                        ))
                        .build(),
                )
                .build(),
        )
        .add_block(
            Block::builder(tf::key("provider"))
                .add_label("aws")
                .add_attribute((tf::key("region"), s.aws.region.as_str()))
                .add_attribute((tf::key("allowed_account_ids"), vec![s.aws.account_id.clone()]))
                .build(),
        );
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
                    tf::heredoc(policy_doc(policies, &format!("{}-secret-resource-policy", n.role))),
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
    for block in cicd::terraform_identity(s) {
        b = b.add_block(block);
    }
    let mut consumer = tf::resource("aws_iam_role", "consumer")
        .add_attribute((tf::key("name"), n.role.as_str()))
        .add_attribute((
            "assume_role_policy",
            tf::heredoc(policy_doc(policies, &format!("{}-trust", n.role))),
        ))
        .add_attribute((tf::key("max_session_duration"), HOUR));
    if let Some((kind, label)) = cicd::identity_ref(s) {
        // IAM refuses a trust policy naming a provider or user that does not exist yet.
        consumer = consumer.add_attribute((tf::key("depends_on"), Expression::Array(vec![r(kind, &[label])])));
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
    if let Some((m, schedule)) = managed_master(s) {
        for block in managed_master_blocks(&m, &schedule) {
            b = b.add_block(block);
        }
    }
    b.build()
}

/// The master password's managed rotation: the service rotates it (no function); the plan checks
/// that the service manages it where a data source can tell, and sets the schedule.
pub(super) fn managed_master_blocks(m: &ManagedService, schedule: &str) -> Vec<Block> {
    let (resource, argument) = m.switch();
    let postcondition = |data: &str| {
        Block::builder(tf::key("lifecycle"))
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
                            "{data} {} does not manage its master password in Secrets Manager: set {argument} = true on its {resource}.",
                            m.id()
                        ),
                    ))
                    .build(),
            )
            .build()
    };
    let mut out = Vec::new();
    let secret_arn = match m {
        ManagedService::RdsInstance(id) | ManagedService::RdsCluster(id) => {
            let (data, key, what) = match m {
                ManagedService::RdsInstance(_) => ("aws_db_instance", "db_instance_identifier", "The RDS instance"),
                _ => ("aws_rds_cluster", "cluster_identifier", "The DB cluster"),
            };
            out.push(
                Block::builder(tf::key("data"))
                    .add_label(data)
                    .add_label("database")
                    .add_attribute((tf::key(key), id.as_str()))
                    .add_block(postcondition(what))
                    .build(),
            );
            Expression::from(
                Traversal::builder(Variable::unchecked("data"))
                    .attr(data)
                    .attr("database")
                    .attr("master_user_secret")
                    .index(0u64)
                    .attr("secret_arn")
                    .build(),
            )
        }
        ManagedService::Redshift(id) | ManagedService::DocumentDb(id) => {
            let attribute = match m {
                ManagedService::Redshift(_) => "master_password_secret_arn",
                _ => "master_user_secret[0].secret_arn",
            };
            out.push(variable(
                "master_secret_arn",
                "string",
                &format!("The {attribute} of the {resource} \"{id}\" ({argument} = true): the secret its service rotates"),
                None,
            ));
            var("master_secret_arn")
        }
    };
    out.push(
        tf::resource("aws_secretsmanager_secret_rotation", "master")
            .add_attribute((tf::key("secret_id"), secret_arn))
            // Managed rotation: the service rotates, so no rotation_lambda_arn.
            .add_attribute((tf::key("rotate_immediately"), false))
            .add_block(
                Block::builder(tf::key("rotation_rules"))
                    .add_attribute((tf::key("schedule_expression"), schedule))
                    .build(),
            )
            .build(),
    );
    out
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
                tf::heredoc(&document(vec![statement(
                    "EventBridgePublishesRotationEvents",
                    "Allow",
                    &["sns:Publish"],
                    &[&topic_arn],
                )
                .principal(json!({"Service": "events.amazonaws.com"}))
                .when("ArnEquals", "aws:SourceArn", json!(rule_arn))])),
            ))
            .build(),
    );
    out.push(
        tf::resource("aws_cloudwatch_event_rule", "rotation")
            .add_attribute((tf::key("name"), n.event_rule.as_str()))
            .add_attribute((tf::key("description"), format!("Rotation outcomes of {}", n.secret_name)))
            .add_attribute((tf::key("event_pattern"), tf::heredoc(&event_pattern())))
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
