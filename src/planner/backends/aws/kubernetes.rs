//! The Kubernetes target of AWS plans: IRSA or EKS Pod Identity and ESO.

use super::*;

// ---------------------------------------------------------------------------------------------
// Kubernetes target: IRSA + ESO

#[derive(Serialize)]
pub(super) struct StoreProvider {
    aws: AwsProvider,
}

#[derive(Serialize)]
pub(super) struct AwsProvider {
    service: &'static str,
    region: String,
    auth: AwsAuth,
}

#[derive(Serialize)]
pub(super) struct AwsAuth {
    jwt: AwsJwt,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AwsJwt {
    service_account_ref: k8s::StoreServiceAccountRef,
}

pub(super) fn store_name(s: &Settings) -> String {
    k8s::store_name(s, "aws")
}

pub(super) fn secret_store(s: &Settings) -> K8sObject<k8s::StoreSpec<StoreProvider>> {
    k8s::secret_store(
        s,
        "aws",
        StoreProvider {
            aws: AwsProvider {
                service: "SecretsManager",
                region: s.aws.region.clone(),
                auth: AwsAuth {
                    jwt: AwsJwt {
                        service_account_ref: k8s::StoreServiceAccountRef::new(s),
                    },
                },
            },
        },
    )
}

/// How the synced value changes, for the one refresh rule (`k8s::refresh_interval`).
pub(super) fn resync(rot: &Rotator) -> k8s::Resync {
    match *rot {
        Rotator::Manual => k8s::Resync::Manual,
        // Alternating database users keep the previous credential until the next rotation (the
        // function rotates no engine single-user); any other value is replaced once a period.
        Rotator::Lambda { period, .. } => k8s::Resync::Overlapping { period },
    }
}

pub(super) fn kubernetes_target(s: &Settings, n: &Names, rot: &Rotator, manifests: &mut Vec<DeploymentManifest>, d: &mut Vec<String>) {
    let sa = k8s::annotated_service_account(
        s,
        [
            ("eks.amazonaws.com/role-arn", n.consumer_role_arn.clone()),
            ("eks.amazonaws.com/sts-regional-endpoints", "true".to_string()),
        ]
        .into_iter()
        .collect(),
    );
    manifests.push(DeploymentManifest::new(
        ManifestType::Kubernetes,
        "kubernetes/serviceaccount.yaml",
        render::yaml(&sa),
    ));
    manifests.push(DeploymentManifest::new(
        ManifestType::Kubernetes,
        "kubernetes/secret-store.yaml",
        render::yaml(&secret_store(s)),
    ));
    let refresh = k8s::refresh_interval(s, resync(rot)).0;
    let target = s.secret_id();
    let es = k8s::external_secret(
        s,
        &target,
        k8s::ExternalSecretSpec {
            refresh_interval: refresh.to_go(),
            secret_store_ref: k8s::store_ref(s, "aws"),
            target: k8s::ExternalSecretTarget::owned(target.clone(), None),
            data: Vec::new(),
            data_from: vec![k8s::DataFromExtract {
                extract: k8s::ExtractRef {
                    key: n.secret_name.clone(),
                },
            }],
        },
    );
    manifests.push(DeploymentManifest::new(
        ManifestType::Kubernetes,
        "kubernetes/external-secret.yaml",
        render::yaml(&es),
    ));
    d.push(format!(
        "ESO reads {} (AWSCURRENT) through the {} \"{}\" every {} in one GetSecretValue call (dataFrom.extract: every JSON key of one version together) into the Secret \"{}\".",
        n.secret_name,
        s.kubernetes.store_kind,
        store_name(s),
        refresh.to_go(),
        target
    ));
    d.push(format!(
        "IRSA: service account \"{}\" in namespace \"{}\" is annotated with role {}, whose trust policy requires the cluster's OIDC provider ({}{}) with sub = system:serviceaccount:{}:{} and aud = sts.amazonaws.com; the store authenticates as that service account (auth.jwt.serviceAccountRef).",
        s.kubernetes.service_account,
        s.kubernetes.namespace,
        n.role,
        eks_oidc(s),
        if s.kubernetes.oidc_issuer.is_none() { ", a placeholder for your cluster's issuer: set kubernetes.oidc_issuer" } else { "" },
        s.kubernetes.namespace,
        s.kubernetes.service_account
    ));
    d.push(format!(
        "EKS Pod Identity is the alternative ({}-pod-identity-trust: pods.eks.amazonaws.com with sts:AssumeRole and sts:TagSession, bound by an aws_eks_pod_identity_association for cluster \"{}\"); ESO cannot combine it with serviceAccountRef, so with Pod Identity drop the store's auth block and associate the role with ESO's own service account instead.",
        n.role, s.kubernetes.cluster_name
    ));
}
