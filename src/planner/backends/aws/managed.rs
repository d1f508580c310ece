//! Managed rotation: the database services that rotate their own master (admin) password,
//! recognised by the endpoint in `database.host`, and what a plan on one says about it. The
//! Terraform for it is in `terraform.rs` (`managed_master_blocks`).

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

/// The master password's managed rotation, when the plan rotates a database on such a service:
/// the service and the schedule (the plan's own).
pub(super) fn managed_master(s: &Settings) -> Option<(ManagedService, String)> {
    if s.rotation == Rotation::Manual {
        return None;
    }
    let service = managed_service(s)?;
    let period = match s.rotation {
        Rotation::Dynamic => Duration::from_secs(MIN_ROTATION),
        _ => s.rotation_period.unwrap_or(Duration::from_secs(90 * DAY)),
    };
    Some((service, rate(Duration::from_secs(period.secs() / HOUR * HOUR))))
}

/// Managed rotation (no Lambda) exists only for master and admin users, and the service then
/// owns a secret of its own name; a plan on such a service rotates its master password there.
pub(super) fn managed_rotation_advice(s: &Settings) -> String {
    match managed_master(s) {
        Some((m, _)) => format!(
            "database.host is an endpoint of {}: the plan leaves its master user to the service's managed rotation (see the master rotation decision) and rotates this application user with the function; the superuser secret {}/{}/database-superuser must hold another admin user than the master, whose password the service changes.",
            m.describe(),
            s.environment,
            s.name
        ),
        None => "For an RDS or Aurora master user, a Redshift admin user or a DocumentDB master user, use managed rotation instead of this function: set database.host to the instance's or cluster's endpoint and the plan turns it on (ManageMasterUserPassword for RDS, Aurora and DocumentDB, ManageMasterPassword for Redshift); application users keep this function.".into(),
    }
}

/// What the plan says about the master password's managed rotation: single-user, so no
/// application reads that secret.
pub(super) fn managed_master_decision(m: &ManagedService, schedule: &str) -> String {
    let argument = m.switch().1;
    let (source, reference) = match m {
        ManagedService::RdsInstance(id) => (
            format!("terraform/aws.tf reads the instance \"{id}\" (data aws_db_instance), fails the apply unless {argument} is on"),
            "its master_user_secret",
        ),
        ManagedService::RdsCluster(id) => (
            format!("terraform/aws.tf reads the cluster \"{id}\" (data aws_rds_cluster), fails the apply unless {argument} is on"),
            "its master_user_secret",
        ),
        ManagedService::Redshift(_) => (
            format!("set {argument} = true on the cluster, pass its master_password_secret_arn as var.master_secret_arn"),
            "that secret",
        ),
        ManagedService::DocumentDb(_) => (
            format!("set {argument} = true on the cluster, pass its master_user_secret[0].secret_arn as var.master_secret_arn"),
            "that secret",
        ),
    };
    format!(
        "Managed rotation: {} rotates the master password itself; {source}, and schedules {reference} on {schedule} (aws_secretsmanager_secret_rotation without a function, rotate_immediately = false). That rotation is single-user: the old master password stops working when it completes, so no application reads the master secret; applications read the plan's own secret. The schedule belongs to the instance or cluster, not to this workload: when several plans use the same database, keep aws_secretsmanager_secret_rotation.master (and its data source or variable) in one of them.",
        m.describe()
    )
}
