//! Managed rotation: the database services that rotate their own master (admin) password,
//! recognised by the endpoint in `database.host`, and what a plan on one says about it. The
//! Terraform that checks it is in `terraform.rs` (`managed_master_blocks`).

use super::*;

/// A database service that rotates its own master (admin) password: managed rotation, named by
/// the endpoint in `database.host`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum ManagedService {
    RdsInstance(String),
    /// An Aurora or Multi-AZ DB cluster (`<id>.cluster-….rds.amazonaws.com`).
    RdsCluster(String),
    Redshift(String),
    /// A DocumentDB cluster (`<id>.cluster-….docdb.amazonaws.com`).
    DocumentDb(String),
}

impl ManagedService {
    pub(super) fn id(&self) -> &str {
        match self {
            ManagedService::RdsInstance(id)
            | ManagedService::RdsCluster(id)
            | ManagedService::Redshift(id)
            | ManagedService::DocumentDb(id) => id,
        }
    }

    /// The Terraform resource and argument that turn managed rotation on.
    pub(super) fn switch(&self) -> (&'static str, &'static str) {
        match self {
            ManagedService::RdsInstance(_) => ("aws_db_instance", "manage_master_user_password"),
            ManagedService::RdsCluster(_) => ("aws_rds_cluster", "manage_master_user_password"),
            ManagedService::Redshift(_) => ("aws_redshift_cluster", "manage_master_password"),
            ManagedService::DocumentDb(_) => ("aws_docdb_cluster", "manage_master_user_password"),
        }
    }

    pub(super) fn describe(&self) -> String {
        let (resource, argument) = self.switch();
        let what = match self {
            ManagedService::RdsInstance(_) => "the RDS instance",
            ManagedService::RdsCluster(_) => "the Aurora (or Multi-AZ) DB cluster",
            ManagedService::Redshift(_) => "the Redshift cluster",
            ManagedService::DocumentDb(_) => "the DocumentDB cluster",
        };
        format!("{what} \"{}\" ({resource} {argument} = true)", self.id())
    }
}

/// The service `database.host` is an endpoint of, when that service has managed rotation.
pub(super) fn managed_service(s: &Settings) -> Option<ManagedService> {
    if s.credential != CredentialType::Database {
        return None;
    }
    let host = s.database.host.as_str();
    let mut labels = host.split('.');
    let id = labels.next()?.to_string();
    let cluster = labels.next().is_some_and(|l| l.starts_with("cluster-"));
    if host.ends_with(".rds.amazonaws.com") {
        Some(if cluster {
            ManagedService::RdsCluster(id)
        } else {
            ManagedService::RdsInstance(id)
        })
    } else if host.ends_with(".redshift.amazonaws.com") {
        Some(ManagedService::Redshift(id))
    } else if host.ends_with(".docdb.amazonaws.com") && cluster {
        Some(ManagedService::DocumentDb(id))
    } else {
        None
    }
}

/// The service whose managed rotation rotates the master password, when the plan rotates a
/// database on such a service.
pub(super) fn managed_master(s: &Settings) -> Option<ManagedService> {
    if s.rotation == Rotation::Manual {
        return None;
    }
    managed_service(s)
}

/// Managed rotation (no Lambda) exists only for master and admin users, and the service then
/// owns a secret of its own name; a plan on such a service rotates its master password there.
pub(super) fn managed_rotation_advice(s: &Settings) -> String {
    match managed_master(s) {
        Some(m) => format!(
            "database.host is an endpoint of {}: the plan leaves its master user to the service's managed rotation (see the master rotation decision) and rotates this application user with the function; the superuser secret {}/{}/database-superuser must hold another admin user than the master, whose password the service changes.",
            m.describe(),
            s.environment,
            s.name
        ),
        None => "For an RDS or Aurora master user, a Redshift admin user or a DocumentDB master user, use managed rotation instead of this function: set database.host to the instance's or cluster's endpoint and the plan turns it on (ManageMasterUserPassword for RDS, Aurora and DocumentDB, ManageMasterPassword for Redshift); application users keep this function.".into(),
    }
}

/// What the plan says about the master password's managed rotation: single-user, so no
/// application reads that secret, and owned by whoever declares the database, not the workload.
pub(super) fn managed_master_decision(m: &ManagedService) -> String {
    let (resource, argument) = m.switch();
    let (check, secret, default) = match m {
        ManagedService::RdsInstance(id) => (
            format!("; it reads the instance \"{id}\" (data aws_db_instance.database) and fails the apply unless {argument} is on"),
            "master_user_secret[0].secret_arn",
            " (by default RDS rotates it every seven days)",
        ),
        ManagedService::RdsCluster(id) => (
            format!("; it reads the cluster \"{id}\" (data aws_rds_cluster.database) and fails the apply unless {argument} is on"),
            "master_user_secret[0].secret_arn",
            " (by default RDS rotates it every seven days)",
        ),
        ManagedService::Redshift(_) => (String::new(), "master_password_secret_arn", ""),
        ManagedService::DocumentDb(_) => (String::new(), "master_user_secret[0].secret_arn", ""),
    };
    format!(
        "Managed rotation: {} rotates the master password itself, without a function. That rotation is single-user: the old master password stops working when it completes, so no application reads the master secret; applications read the plan's own secret. The master secret and its rotation schedule belong to whoever declares the {resource}, not to this workload or any other on the same database, so terraform/aws.tf declares no rotation of it{check}; to set the schedule, declare aws_secretsmanager_secret_rotation for its {secret} (rotation_rules, no rotation_lambda_arn) next to the {resource}{default}.",
        m.describe()
    )
}
