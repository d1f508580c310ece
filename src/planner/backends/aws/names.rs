//! Every name and ARN an AWS plan uses, computed once from the settings: the workload's consumer
//! role, and the secret's own names (its policies, rotation function and role, topic and rule).

use super::*;

/// Every name and ARN the plan uses, computed once.
#[derive(Clone)]
pub(crate) struct Names {
    pub role: String,
    /// The prefix of the secret's own names ([`Settings::stem`]).
    pub stem: String,
    pub secret_name: String,
    /// `arn:…:secret:<name>-??????`: the random suffix Secrets Manager appends, and nothing more.
    pub secret_arn: String,
    pub consumer_role_arn: String,
    pub read_policy: String,
    pub write_policy: String,
    pub rotation_function: String,
    pub rotation_role: String,
    pub rotation_role_arn: String,
    pub topic: String,
    pub event_rule: String,
    pub superuser_secret_arn: String,
    /// The secret holding the superuser the rotation function alternates users with.
    pub superuser_secret_name: String,
    /// Appended to every statement ID: eight hex digits of the secret's full name, so the Sids of
    /// two secrets never meet when `source_policy_documents` merges their documents.
    pub sid_suffix: String,
    /// The Sid suffix of the consumer role's trust policy: the workload's in a
    /// `secretsint_workload` (every secret shares the role), the secret's in a `secretsint_plan`
    /// (as it always was).
    pub trust_sid_suffix: String,
}

pub(crate) fn names(s: &Settings) -> Names {
    // IAM roles, Lambda functions and EventBridge rules take at most 64 characters.
    let fit = |name: String| crate::planner::shape::bounded_name(&name, 64);
    // The consumer role is the workload's; everything else belongs to the one secret.
    let (role, stem) = (fit(s.role_name()), s.stem());
    let secret_name = format!("{}/{}/{}", s.environment, s.name, s.leaf());
    let superuser = match &s.secret_label {
        Some(label) => format!("{}/{}/{label}--superuser", s.environment, s.name),
        None => format!("{}/{}/database-superuser", s.environment, s.name),
    };
    let arn = |kind: &str, rest: &str| format!("arn:aws:{kind}:{}:{}:{rest}", s.aws.region, s.aws.account_id);
    let rotation_role = fit(format!("{stem}-secret-rotation"));
    Names {
        secret_arn: arn("secretsmanager", &format!("secret:{secret_name}-??????")),
        superuser_secret_arn: arn("secretsmanager", &format!("secret:{superuser}-??????")),
        superuser_secret_name: superuser,
        consumer_role_arn: format!("arn:aws:iam::{}:role/{role}", s.aws.account_id),
        read_policy: format!("{stem}-secret-read"),
        write_policy: format!("{stem}-secret-write"),
        rotation_function: fit(format!("{stem}-rotate-{}", s.leaf())),
        rotation_role_arn: format!("arn:aws:iam::{}:role/{rotation_role}", s.aws.account_id),
        rotation_role,
        topic: format!("{stem}-secret-rotation"),
        event_rule: fit(format!("{stem}-secret-rotation")),
        sid_suffix: sid_suffix(&secret_name),
        trust_sid_suffix: match s.secret_label {
            Some(_) => sid_suffix(&format!("{}/{}", s.environment, s.name)),
            None => sid_suffix(&secret_name),
        },
        secret_name,
        stem,
        role,
    }
}

/// Eight hex digits of SHA-256 over the secret's full name (`<environment>/<name>/<leaf>`): Sids
/// allow only letters and digits, and CamelCasing the name would let (`prod-eu`, `payments`) and
/// (`prod`, `eu-payments`) meet; the name itself keeps its separators, so its digest does not.
pub(super) fn sid_suffix(secret_name: &str) -> String {
    crate::planner::shape::digest8(secret_name)
}

impl Names {
    /// The names with the trust policy's Sid suffix: the consumer role's documents.
    pub(super) fn trusting(&self) -> Names {
        Names {
            sid_suffix: self.trust_sid_suffix.clone(),
            ..self.clone()
        }
    }
}
