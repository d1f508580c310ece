//! The Terraform of GCP plans (hashicorp/google, google-beta for the service identity).

use super::*;

// ---------------------------------------------------------------------------------------------
// Terraform (hashicorp/google 6.x/7.x, google-beta for the service identity)

/// A quoted string with `${...}` interpolations, written as is.
pub(super) fn template(text: &str) -> Expression {
    Expression::from(TemplateExpr::QuotedString(text.to_string()))
}

pub(super) fn string_map(pairs: &[(&str, String)]) -> Expression {
    let mut o = Object::new();
    for (k, v) in pairs {
        o.insert(ObjectKey::from(Identifier::unchecked(*k)), Expression::from(v.as_str()));
    }
    Expression::Object(o)
}

pub(super) fn secret_iam(label: &str, secret: Expression, role: &str, member: Expression, n: &Names) -> Block {
    tf::resource("google_secret_manager_secret_iam_member", label)
        .add_attribute((tf::key("project"), n.project.as_str()))
        .add_attribute((tf::key("secret_id"), secret))
        .add_attribute((tf::key("role"), role))
        .add_attribute((tf::key("member"), member))
        .build()
}

pub(super) fn terraform(s: &Settings, n: &Names, period: Option<Duration>) -> Body {
    let mut providers = vec![(
        "google",
        tf::obj(&[("source", "hashicorp/google".into()), ("version", GOOGLE_PROVIDER.into())]),
    )];
    if period.is_some() {
        providers.push((
            "archive",
            tf::obj(&[("source", "hashicorp/archive".into()), ("version", ">= 2.4".into())]),
        ));
    }
    let mut required = Block::builder(tf::key("required_providers"));
    for (name, value) in providers {
        required = required.add_attribute((name, value));
    }
    let mut b = Body::builder().add_block(
        Block::builder(tf::key("terraform"))
            // plantimestamp() needs Terraform 1.5.
            .add_attribute((tf::key("required_version"), if period.is_some() { ">= 1.5" } else { ">= 1.0" }))
            .add_block(required.build())
            .build(),
    );
    let secret_ref = tf::traversal("google_secret_manager_secret", &["secret", "secret_id"]);
    let labels = string_map(&[
        ("app", s.name.clone()),
        ("environment", s.environment.clone()),
        ("managed-by", "secretsint".into()),
    ]);
    let replication = match &s.gcp.location {
        None => Block::builder(tf::key("replication"))
            .add_block(Block::builder(tf::key("auto")).build())
            .build(),
        Some(l) => Block::builder(tf::key("replication"))
            .add_block(
                Block::builder(tf::key("user_managed"))
                    .add_block(
                        Block::builder(tf::key("replicas"))
                            .add_attribute((tf::key("location"), l.as_str()))
                            .build(),
                    )
                    .build(),
            )
            .build(),
    };
    let mut secret = tf::resource("google_secret_manager_secret", "secret")
        .add_attribute((tf::key("project"), n.project.as_str()))
        .add_attribute((tf::key("secret_id"), n.secret_id.as_str()))
        .add_attribute((tf::key("labels"), labels.clone()))
        .add_block(replication);
    if let Some(p) = period {
        let seconds = format!("{}s", p.secs());
        secret = secret
            .add_block(
                Block::builder(tf::key("rotation"))
                    .add_attribute((
                        "next_rotation_time",
                        Expression::from(
                            FuncCall::builder("timeadd")
                                .arg(Expression::from(FuncCall::builder("plantimestamp").build()))
                                .arg(seconds.as_str())
                                .build(),
                        ),
                    ))
                    .add_attribute((tf::key("rotation_period"), seconds.as_str()))
                    .build(),
            )
            .add_block(
                Block::builder(tf::key("topics"))
                    .add_attribute((tf::key("name"), tf::traversal("google_pubsub_topic", &["rotation", "id"])))
                    .build(),
            )
            .add_attribute((
                "depends_on",
                Expression::from(vec![Expression::from(
                    Traversal::builder(Variable::unchecked("google_pubsub_topic_iam_member"))
                        .attr("secretmanager_publisher")
                        .build(),
                )]),
            ))
            .add_block(
                Block::builder(tf::key("lifecycle"))
                    .add_attribute((
                        "ignore_changes",
                        Expression::from(vec![Expression::from(
                            Traversal::builder(Variable::unchecked("rotation"))
                                .index(0u64)
                                .attr("next_rotation_time")
                                .build(),
                        )]),
                    ))
                    .build(),
            );
    }
    b = b.add_block(secret.build());
    // The consumer's identity and its grant.
    let consumer = match s.target {
        Target::Application => {
            b = b.add_block(
                tf::resource("google_service_account", "app")
                    .add_attribute((tf::key("project"), n.project.as_str()))
                    .add_attribute((tf::key("account_id"), n.app_account.as_str()))
                    .add_attribute((tf::key("display_name"), format!("{} ({})", s.name, s.environment)))
                    .add_attribute((
                        tf::key("description"),
                        match s.secret_label {
                            // One account for every secret of the workload.
                            Some(_) => format!("Reads the secrets of {} only", n.role),
                            None => format!("Reads {} only", n.secret_id),
                        },
                    ))
                    .build(),
            );
            tf::traversal("google_service_account", &["app", "member"])
        }
        Target::Cicd => {
            // The pool is the platform's: looked up, so a workload planned before it fails early.
            b = b.add_block(
                Block::builder(tf::key("data"))
                    .add_label("google_iam_workload_identity_pool")
                    .add_label("ci")
                    .add_attribute((tf::key("project"), n.project.as_str()))
                    .add_attribute((tf::key("workload_identity_pool_id"), n.pool.as_str()))
                    .build(),
            );
            template(&member_in_pool(s, n, "${data.google_iam_workload_identity_pool.ci.name}"))
        }
        Target::Kubernetes => Expression::from(consumer_member(s, n)),
    };
    b = b.add_block(secret_iam("consumer", secret_ref.clone(), ROLE_SECRET_ACCESSOR, consumer, n));

    match period {
        None => {
            b = b.add_block(secret_iam(
                "writers",
                secret_ref,
                ROLE_SECRET_VERSION_ADDER,
                Expression::from(writers(s)),
                n,
            ));
        }
        Some(period) => {
            for block in rotation_blocks(s, n, secret_ref, period) {
                b = b.add_block(block);
            }
        }
    }
    b.build()
}

/// The Secret Manager service agent, which publishes SECRET_ROTATE to each workload's topic.
pub(super) fn service_agent_member(n: &Names) -> String {
    format!("serviceAccount:service-{}@gcp-sa-secretmanager.iam.gserviceaccount.com", n.number)
}

/// What every workload in the project shares (platform/gcp.tf): the Data Access audit config,
/// the Secret Manager service agent and, for pipelines, the workload identity pool and its
/// provider. Reads only platform inputs, so every plan on one platform renders the same bytes.
pub(super) fn platform(s: &Settings, n: &Names) -> Body {
    let required = Block::builder(tf::key("required_providers"))
        .add_attribute((
            "google",
            tf::obj(&[("source", "hashicorp/google".into()), ("version", GOOGLE_PROVIDER.into())]),
        ))
        .add_attribute((
            "google-beta",
            tf::obj(&[("source", "hashicorp/google-beta".into()), ("version", GOOGLE_PROVIDER.into())]),
        ))
        .build();
    let mut b = Body::builder().add_block(
        Block::builder(tf::key("terraform"))
            .add_attribute((tf::key("required_version"), ">= 1.0"))
            .add_block(required)
            .build(),
    );
    // Data Access audit logs are off by default, so AccessSecretVersion would go unrecorded.
    b = b.add_block(
        tf::resource("google_project_iam_audit_config", "secretmanager")
            .add_attribute((tf::key("project"), n.project.as_str()))
            .add_attribute((tf::key("service"), "secretmanager.googleapis.com"))
            .add_block(
                Block::builder(tf::key("audit_log_config"))
                    .add_attribute((tf::key("log_type"), "DATA_READ"))
                    .build(),
            )
            .add_block(
                Block::builder(tf::key("audit_log_config"))
                    .add_attribute((tf::key("log_type"), "DATA_WRITE"))
                    .build(),
            )
            .build(),
    );

    b = b.add_block(
        tf::resource("google_project_service_identity", "secretmanager")
            .add_attribute((
                "provider",
                Expression::from(Traversal::builder(Variable::unchecked("google-beta")).build()),
            ))
            .add_attribute((tf::key("project"), n.project.as_str()))
            .add_attribute((tf::key("service"), "secretmanager.googleapis.com"))
            .build(),
    );
    if s.target == Target::Cicd {
        for block in pool_blocks(s, n) {
            b = b.add_block(block);
        }
    }
    b.build()
}

pub(super) fn pool_blocks(s: &Settings, n: &Names) -> Vec<Block> {
    let (issuer, condition) = provider_claims(s);
    let mut mapping = Object::new();
    for (k, v) in attribute_mapping(s) {
        mapping.insert(ObjectKey::from(Expression::from(k)), Expression::from(v));
    }
    let mut oidc = Block::builder(tf::key("oidc")).add_attribute((tf::key("issuer_uri"), issuer));
    if s.cicd.platform == CicdPlatform::AzureDevops {
        oidc = oidc.add_attribute((tf::key("allowed_audiences"), vec![ado_app_uri(n)]));
    }
    vec![
        tf::resource("google_iam_workload_identity_pool", "ci")
            .add_attribute((tf::key("project"), n.project.as_str()))
            .add_attribute((tf::key("workload_identity_pool_id"), n.pool.as_str()))
            .add_attribute((
                tf::key("display_name"),
                short_display(&format!("{} {}", s.cicd.platform, s.cicd.repository)),
            ))
            .add_attribute((
                tf::key("description"),
                format!("{} pipelines of {} reading Secret Manager", s.cicd.platform, s.cicd.repository),
            ))
            .build(),
        tf::resource("google_iam_workload_identity_pool_provider", "ci")
            .add_attribute((tf::key("project"), n.project.as_str()))
            .add_attribute((
                "workload_identity_pool_id",
                tf::traversal("google_iam_workload_identity_pool", &["ci", "workload_identity_pool_id"]),
            ))
            .add_attribute((tf::key("workload_identity_pool_provider_id"), n.provider.as_str()))
            .add_attribute((tf::key("display_name"), short_display(&s.cicd.platform.to_string())))
            .add_attribute((tf::key("attribute_mapping"), Expression::Object(mapping)))
            .add_attribute((tf::key("attribute_condition"), condition))
            .add_block(oidc.build())
            .build(),
    ]
}

/// Workload identity pool and provider display names are limited to 32 characters.
pub(super) fn short_display(text: &str) -> String {
    text.chars().take(32).collect()
}

/// What the rotation function and its service account do, in their descriptions.
fn what_it_does(s: &Settings, n: &Names, adds: &str) -> String {
    if reminds(s) {
        format!("Reminds people to rotate {} on SECRET_ROTATE", n.secret_id)
    } else {
        format!("{adds} {} on SECRET_ROTATE", n.secret_id)
    }
}

pub(super) fn rotation_blocks(s: &Settings, n: &Names, secret_ref: Expression, period: Duration) -> Vec<Block> {
    let rotator_member = tf::traversal("google_service_account", &["rotator", "member"]);
    let rotator_email = tf::traversal("google_service_account", &["rotator", "email"]);
    let mut out = vec![
        tf::resource("google_pubsub_topic", "rotation")
            .add_attribute((tf::key("project"), n.project.as_str()))
            .add_attribute((tf::key("name"), n.topic.as_str()))
            .build(),
        tf::resource("google_pubsub_topic_iam_member", "secretmanager_publisher")
            .add_attribute((tf::key("project"), n.project.as_str()))
            .add_attribute((tf::key("topic"), tf::traversal("google_pubsub_topic", &["rotation", "name"])))
            .add_attribute((tf::key("role"), ROLE_PUBSUB_PUBLISHER))
            // The service agent is the platform's (google_project_service_identity there).
            .add_attribute((tf::key("member"), service_agent_member(n)))
            .build(),
        tf::resource("google_service_account", "rotator")
            .add_attribute((tf::key("project"), n.project.as_str()))
            .add_attribute((tf::key("account_id"), n.rotator_account.as_str()))
            .add_attribute((
                "display_name",
                format!("{} rotation", n.secret_id).chars().take(100).collect::<String>(),
            ))
            .add_attribute((tf::key("description"), what_it_does(s, n, "Adds versions to")))
            .build(),
    ];
    // A reminder calls no Secret Manager API: its service account holds no role on the secret.
    if !reminds(s) {
        out.push(secret_iam(
            &format!("rotator_{}", rotator_writer_role(s).0.replace('-', "_")),
            secret_ref.clone(),
            rotator_writer_role(s).1,
            rotator_member.clone(),
            n,
        ));
        out.push(secret_iam(
            "rotator_viewer",
            secret_ref.clone(),
            ROLE_SECRET_VIEWER,
            rotator_member.clone(),
            n,
        ));
    }
    if hooks(s) {
        // The function compares the hook's key with version "latest".
        out.push(secret_iam(
            "rotator_accessor",
            secret_ref.clone(),
            ROLE_SECRET_ACCESSOR,
            rotator_member.clone(),
            n,
        ));
    }
    if s.credential == CredentialType::Database {
        // The function reads which user version "latest" holds.
        out.push(secret_iam(
            "rotator_accessor",
            secret_ref,
            ROLE_SECRET_ACCESSOR,
            rotator_member.clone(),
            n,
        ));
        out.push(
            tf::resource("google_secret_manager_secret", "database_admin")
                .add_attribute((tf::key("project"), n.project.as_str()))
                .add_attribute((tf::key("secret_id"), n.admin_secret_id.as_str()))
                .add_attribute((
                    "labels",
                    string_map(&[
                        ("app", s.name.clone()),
                        ("environment", s.environment.clone()),
                        ("managed-by", "secretsint".into()),
                    ]),
                ))
                .add_block(match &s.gcp.location {
                    None => Block::builder(tf::key("replication"))
                        .add_block(Block::builder(tf::key("auto")).build())
                        .build(),
                    Some(l) => Block::builder(tf::key("replication"))
                        .add_block(
                            Block::builder(tf::key("user_managed"))
                                .add_block(
                                    Block::builder(tf::key("replicas"))
                                        .add_attribute((tf::key("location"), l.as_str()))
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                })
                .build(),
        );
        out.push(secret_iam(
            "rotator_admin_accessor",
            tf::traversal("google_secret_manager_secret", &["database_admin", "secret_id"]),
            ROLE_SECRET_ACCESSOR,
            rotator_member.clone(),
            n,
        ));
    }
    if s.credential == CredentialType::Certificate {
        out.push(
            tf::resource("google_privateca_ca_pool_iam_member", "rotator_requester")
                .add_attribute((tf::key("ca_pool"), n.ca_pool.as_str()))
                .add_attribute((tf::key("role"), ROLE_CA_REQUESTER))
                .add_attribute((tf::key("member"), rotator_member.clone()))
                .build(),
        );
    }
    let mut env = Object::new();
    for (k, v) in function_env(s, n, period) {
        env.insert(ObjectKey::from(Identifier::unchecked(k)), Expression::from(v));
    }
    out.extend([
        Block::builder(tf::key("data"))
            .add_label("archive_file")
            .add_label("rotate")
            .add_attribute((tf::key("type"), "zip"))
            .add_attribute((tf::key("source_dir"), template("${path.module}/../functions/rotate")))
            .add_attribute((tf::key("output_path"), template("${path.module}/.build/rotate.zip")))
            .build(),
        tf::resource("google_storage_bucket", "functions")
            .add_attribute((tf::key("project"), n.project.as_str()))
            .add_attribute((tf::key("name"), short_id(&format!("{}-{}-functions", n.project, n.stem), 63)))
            .add_attribute((tf::key("location"), n.region.to_ascii_uppercase()))
            .add_attribute((tf::key("uniform_bucket_level_access"), true))
            .add_attribute((tf::key("public_access_prevention"), "enforced"))
            // Versioned, so an overwritten or deleted function source can be restored; old
            // versions go after 30 days.
            .add_block(
                Block::builder(tf::key("versioning"))
                    .add_attribute((tf::key("enabled"), true))
                    .build(),
            )
            .add_block(
                Block::builder(tf::key("lifecycle_rule"))
                    .add_block(
                        Block::builder(tf::key("condition"))
                            .add_attribute((tf::key("days_since_noncurrent_time"), 30))
                            .build(),
                    )
                    .add_block(Block::builder(tf::key("action")).add_attribute((tf::key("type"), "Delete")).build())
                    .build(),
            )
            .build(),
        tf::resource("google_storage_bucket_object", "rotate")
            .add_attribute((tf::key("bucket"), tf::traversal("google_storage_bucket", &["functions", "name"])))
            .add_attribute((tf::key("name"), template("rotate-${data.archive_file.rotate.output_md5}.zip")))
            .add_attribute((tf::key("source"), tf::traversal("data", &["archive_file", "rotate", "output_path"])))
            .build(),
        tf::resource("google_cloudfunctions2_function", "rotate")
            .add_attribute((tf::key("project"), n.project.as_str()))
            .add_attribute((tf::key("name"), n.function.as_str()))
            .add_attribute((tf::key("location"), n.region.as_str()))
            .add_attribute((tf::key("description"), what_it_does(s, n, "Adds a version to")))
            .add_block(
                Block::builder(tf::key("build_config"))
                    .add_attribute((tf::key("runtime"), versions::GCP_FUNCTION_RUNTIME))
                    .add_attribute((tf::key("entry_point"), "rotate"))
                    .add_block(
                        Block::builder(tf::key("source"))
                            .add_block(
                                Block::builder(tf::key("storage_source"))
                                    .add_attribute((tf::key("bucket"), tf::traversal("google_storage_bucket", &["functions", "name"])))
                                    .add_attribute((
                                        tf::key("object"),
                                        tf::traversal("google_storage_bucket_object", &["rotate", "name"]),
                                    ))
                                    .build(),
                            )
                            .build(),
                    )
                    .build(),
            )
            .add_block(
                Block::builder(tf::key("service_config"))
                    .add_attribute((tf::key("max_instance_count"), 1))
                    .add_attribute((tf::key("available_memory"), "256M"))
                    .add_attribute((tf::key("timeout_seconds"), 120))
                    .add_attribute((tf::key("ingress_settings"), "ALLOW_INTERNAL_ONLY"))
                    .add_attribute((tf::key("all_traffic_on_latest_revision"), true))
                    .add_attribute((tf::key("service_account_email"), rotator_email.clone()))
                    .add_attribute((tf::key("environment_variables"), Expression::Object(env)))
                    .build(),
            )
            .add_block(
                Block::builder(tf::key("event_trigger"))
                    .add_attribute((tf::key("trigger_region"), n.region.as_str()))
                    .add_attribute((tf::key("event_type"), PUBSUB_EVENT))
                    .add_attribute((tf::key("pubsub_topic"), tf::traversal("google_pubsub_topic", &["rotation", "id"])))
                    .add_attribute((tf::key("retry_policy"), "RETRY_POLICY_RETRY"))
                    .add_attribute((tf::key("service_account_email"), rotator_email))
                    .build(),
            )
            .build(),
        // Eventarc pushes to the function's Cloud Run service as the trigger's service account.
        tf::resource("google_cloud_run_v2_service_iam_member", "rotator_invoker")
            .add_attribute((tf::key("project"), n.project.as_str()))
            .add_attribute((tf::key("location"), n.region.as_str()))
            .add_attribute((
                tf::key("name"),
                tf::traversal("google_cloudfunctions2_function", &["rotate", "name"]),
            ))
            .add_attribute((tf::key("role"), ROLE_RUN_INVOKER))
            .add_attribute((tf::key("member"), rotator_member))
            .build(),
    ]);
    out
}
