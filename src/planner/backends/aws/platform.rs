//! What every AWS workload on one platform shares: the IAM OIDC identity providers the consumer
//! roles trust (IAM registers an issuer URL once per account, so a second declaration fails with
//! EntityAlreadyExists). `platform/aws.tf` is a function of the platform inputs only (the `aws`
//! block, the target, `kubernetes.oidc_issuer`, `cicd.platform` and `cicd.oidc_issuer`), so every
//! plan on one platform holds the same bytes; workload Terraform reads these objects by URL.

use super::*;
use hcl::expr::{BinaryOp, BinaryOperator};

/// The platform file's path in `platform_files`.
pub(super) const PATH: &str = "platform/aws.tf";
const STS_AUDIENCE: &str = "sts.amazonaws.com";
/// EKS OIDC issuer placeholder (the cluster's `identity.oidc.issuer` without `https://`).
const EKS_OIDC_ID: &str = "EXAMPLED539D4633E53DE1B71EXAMPLE";

/// An IAM OIDC identity provider: its Terraform label, issuer URL and the audience it accepts.
pub(super) struct OidcProvider {
    pub label: &'static str,
    pub what: &'static str,
    pub url: String,
    pub audience: String,
}

impl OidcProvider {
    /// The ARN the trust policy names: IAM's name for the provider in this account.
    pub(super) fn arn(&self, s: &Settings) -> String {
        oidc_provider_arn(s, self.url.trim_start_matches("https://"))
    }

    /// The workload's input naming the provider, defaulting to the planned ARN.
    pub(super) fn variable_name(&self) -> String {
        format!("{}_oidc_provider_arn", self.label)
    }

    /// The workload's reference to the provider, never a declaration: a variable holding its ARN
    /// (in one root module, the platform's output, which is unknown until the platform is
    /// applied, so the read waits for it) and a data source reading it by that ARN.
    pub(super) fn reference(&self, s: &Settings) -> Vec<Block> {
        vec![
            variable(
                &self.variable_name(),
                "string",
                &format!(
                    "ARN of the {} OIDC provider that {PATH} declares once per account (its output {}); the role's trust policy names it",
                    self.what,
                    self.variable_name()
                ),
                Some(self.arn(s).into()),
            ),
            Block::builder(tf::key("data"))
                .add_label("aws_iam_openid_connect_provider")
                .add_label(self.label)
                .add_attribute((tf::key("arn"), var(&self.variable_name())))
                .build(),
        ]
    }

    /// The role's precondition: the provider read is the one its trust policy names. Referring to
    /// the data source also makes the role wait for it.
    pub(super) fn precondition(&self, s: &Settings) -> Block {
        let read = Expression::from(
            Traversal::builder(Variable::unchecked("data"))
                .attr("aws_iam_openid_connect_provider")
                .attr(self.label)
                .attr("arn")
                .build(),
        );
        Block::builder(tf::key("lifecycle"))
            .add_block(
                Block::builder(tf::key("precondition"))
                    .add_attribute((
                        tf::key("condition"),
                        Expression::from(BinaryOp::new(read, BinaryOperator::Eq, Expression::String(self.arn(s)))),
                    ))
                    .add_attribute((
                        tf::key("error_message"),
                        format!(
                            "The role's trust policy names the OIDC provider {}: pass that provider's ARN as var.{}.",
                            self.arn(s),
                            self.variable_name()
                        ),
                    ))
                    .build(),
            )
            .build()
    }
}

/// The EKS cluster's issuer URL: the user's, or a placeholder.
pub(crate) fn eks_issuer(s: &Settings) -> String {
    format!("https://{}", eks_oidc(s))
}

/// The EKS cluster's issuer as IAM names it (no scheme): the user's, or a placeholder.
pub(super) fn eks_oidc(s: &Settings) -> String {
    match &s.kubernetes.oidc_issuer {
        Some(url) => url.trim_start_matches("https://").to_string(),
        None => format!("oidc.eks.{}.amazonaws.com/id/{EKS_OIDC_ID}", s.aws.region),
    }
}

pub(super) fn oidc_provider_arn(s: &Settings, host: &str) -> String {
    format!("arn:aws:iam::{}:oidc-provider/{host}", s.aws.account_id)
}

/// The OIDC provider the consumer role of this target trusts, if any: the EKS cluster's issuer
/// (IRSA) or the CI platform's.
pub(super) fn oidc_provider(s: &Settings) -> Option<OidcProvider> {
    match s.target {
        Target::Kubernetes => Some(OidcProvider {
            label: "eks",
            what: "EKS cluster's",
            url: eks_issuer(s),
            audience: STS_AUDIENCE.into(),
        }),
        Target::Cicd => cicd::oidc_issuer(s).map(|(url, audience)| OidcProvider {
            label: "ci",
            what: "CI platform's",
            url,
            audience,
        }),
        Target::Application => None,
    }
}

/// `platform_files`: `platform/aws.tf` when the target trusts an OIDC provider, else nothing.
pub(super) fn files(s: &Settings) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(oidc) = oidc_provider(s) else {
        return out;
    };
    let provider = Traversal::builder(Variable::unchecked("aws_iam_openid_connect_provider"))
        .attr(oidc.label)
        .attr("arn")
        .build();
    let body = Body::builder()
        .add_block(required_providers())
        .add_block(provider_block(s))
        .add_block(
            tf::resource("aws_iam_openid_connect_provider", oidc.label)
                .add_attribute((tf::key("url"), oidc.url.as_str()))
                .add_attribute((tf::key("client_id_list"), vec![oidc.audience.clone()]))
                .add_attribute((tf::key("tags"), quoted_obj(&[("managed-by", "secretsint".into())])))
                .build(),
        )
        .add_block(
            Block::builder(tf::key("output"))
                .add_label(format!("{}_oidc_provider_arn", oidc.label))
                .add_attribute((
                    tf::key("description"),
                    format!("The {} OIDC provider every workload's role on this platform trusts", oidc.what),
                ))
                .add_attribute((tf::key("value"), Expression::from(provider)))
                .build(),
        )
        .build();
    out.insert(PATH.to_string(), render::hcl(&body));
    out
}

/// What a workload plan says about the platform object its role trusts.
pub(super) fn decision(s: &Settings) -> Option<String> {
    let oidc = oidc_provider(s)?;
    Some(format!(
        "The {} OIDC provider {} is a platform object (IAM registers an issuer once per account): {PATH} in platform_files declares it once for every workload on this platform, and this workload's terraform/aws.tf only reads it (data aws_iam_openid_connect_provider.{} by var.{}, which defaults to {}) and its role checks that the provider read is the one its trust policy names. Apply {PATH} first, or in one root module pass the platform module's output {} to each workload's {} so the workload waits for it; if the provider already exists in the account, import it into the platform file's aws_iam_openid_connect_provider.{} instead.",
        oidc.what,
        oidc.url,
        oidc.label,
        oidc.variable_name(),
        oidc.arn(s),
        oidc.variable_name(),
        oidc.variable_name(),
        oidc.label
    ))
}
