//! `secretsint_workload`: one consumer in one environment with 1–16 labelled secrets.
//!
//! Each secret is planned as a `secretsint_plan` whose per-secret names carry its label
//! ([`Settings::stem`]), on the same code path as every plan. The plans are then composed:
//! what the backend declares workload-wide ([`crate::planner::WorkloadWide`]: the
//! consumer identity, the lookups of platform objects, the pods' service account) appears once,
//! with the lists of its several copies joined (a Vault role's `token_policies`) and the longest
//! of their durations; everything else belongs to one secret and is renamed after it (Terraform
//! addresses `<label>__<name>`, files under `secrets/<label>/`). Two secrets that would still
//! meet in one name are a planner error, and `tests/it/workload.rs` shows none does.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::backends;
use super::request::{CertificateInput, DatabaseInput, DnsLabel, Duration, Request};
use super::*;
use crate::planner::targets::cicd::azure_devops as ado;
use crate::render;

/// The most secrets one workload holds.
pub const MAX_SECRETS: usize = 16;

/// The arguments of one `secret "LABEL" {}` block.
#[derive(Clone, Debug, PartialEq)]
pub struct SecretSpec {
    pub label: DnsLabel,
    pub credential: CredentialType,
    pub rotation: Rotation,
    pub rotation_period: Option<Duration>,
    pub database: DatabaseInput,
    pub certificate: CertificateInput,
}

/// A `secretsint_workload`: the workload arguments (`base`; its `credential`, `rotation`,
/// `rotation_period`, `database` and `certificate` are not read) and its secrets.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadRequest {
    pub base: Request,
    pub secrets: Vec<SecretSpec>,
}

/// The arguments that sit in a `secret` block: a finding on one of them names the block.
const PER_SECRET: &[&str] = &["credential_type", "rotation_policy", "rotation_period", "database", "certificate"];

impl WorkloadRequest {
    /// The `secretsint_plan` request of one secret.
    pub fn secret_request(&self, spec: &SecretSpec) -> Request {
        let mut r = self.base.clone();
        r.credential = Some(spec.credential);
        r.rotation = spec.rotation;
        r.rotation_period = spec.rotation_period;
        r.database = spec.database.clone();
        r.certificate = spec.certificate.clone();
        r.secret_label = Some(spec.label.clone());
        r
    }

    fn shape_findings(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        if self.secrets.is_empty() || self.secrets.len() > MAX_SECRETS {
            out.push(Finding {
                kind: FindingKind::Error,
                field: vec!["secret".into()],
                summary: "A Workload Holds 1 To 16 Secrets".into(),
                detail: format!(
                    "This workload declares {} secret blocks; declare between 1 and {MAX_SECRETS} `secret \"LABEL\" {{ … }}` blocks, or split the workload.",
                    self.secrets.len()
                ),
            });
        }
        let mut seen = BTreeSet::new();
        for spec in &self.secrets {
            if !seen.insert(spec.label.as_str()) {
                out.push(Finding {
                    kind: FindingKind::Error,
                    field: vec!["secret".into(), spec.label.as_str().into()],
                    summary: "Duplicate Secret Label".into(),
                    detail: format!(
                        "The label {:?} names two secret blocks; each secret of a workload needs its own label.",
                        spec.label.as_str()
                    ),
                });
            }
        }
        out
    }
}

/// A finding of one secret's plan, moved onto its `secret` block when it concerns one of the
/// block's arguments.
fn in_block(label: &str, mut f: Finding) -> Finding {
    if f.field.first().is_some_and(|first| PER_SECRET.contains(&first.as_str())) {
        f.field.splice(0..0, ["secret".to_string(), label.to_string()]);
    }
    f
}

/// Findings of several secrets, each once.
fn merge_findings(all: impl IntoIterator<Item = Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    for f in all {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

/// What `validate` runs for a workload: each secret's checks, on the secret's block.
pub fn check_workload(w: &WorkloadRequest) -> Checked {
    let mut findings = w.shape_findings();
    let mut placeholders = Vec::new();
    for spec in &w.secrets {
        let checked = check(&w.secret_request(spec));
        findings.extend(checked.findings.into_iter().map(|f| in_block(spec.label.as_str(), f)));
        for p in checked.placeholders {
            if !placeholders.contains(&p) {
                placeholders.push(p);
            }
        }
    }
    Checked {
        findings: merge_findings(findings),
        placeholders,
    }
}

/// Plans a workload. Never panics; problems come back as findings.
pub fn plan_workload(w: &WorkloadRequest) -> Plan {
    let shape = w.shape_findings();
    if !shape.is_empty() {
        return Plan::refused(shape);
    }
    let requests: Vec<Request> = w.secrets.iter().map(|spec| w.secret_request(spec)).collect();
    let refused: Vec<Finding> = w
        .secrets
        .iter()
        .zip(&requests)
        .flat_map(|(spec, req)| req.grammar_findings().into_iter().map(|f| in_block(spec.label.as_str(), f)))
        .collect();
    if !refused.is_empty() {
        return Plan::refused(merge_findings(refused));
    }
    let mut resolved: Vec<(Settings, Vec<Finding>)> = requests.iter().map(resolve::resolve).collect();
    // The one auth role's token outlives the longest lease any secret reads through it.
    if w.base.backend == Backend::Vault {
        let floor = resolved
            .iter()
            .map(|(s, _)| backends::vault::consumer_token_ttl(s))
            .max_by_key(|d| d.secs());
        for (s, _) in &mut resolved {
            s.token_ttl_floor = floor;
        }
    }
    let parts: Vec<(String, Settings, Plan)> = w
        .secrets
        .iter()
        .zip(requests.iter().zip(resolved))
        .map(|(spec, (req, (settings, findings)))| {
            let p = plan_resolved(req, settings.clone(), findings);
            (spec.label.as_str().to_string(), settings, p)
        })
        .collect();
    if parts
        .iter()
        .any(|(_, _, p)| p.findings.iter().any(|f| f.kind == FindingKind::Error))
    {
        return Plan::refused(merge_findings(
            parts
                .iter()
                .flat_map(|(label, _, p)| p.findings.iter().map(|f| in_block(label, f.clone()))),
        ));
    }
    compose(parts)
}

/// The composition described in the module documentation.
fn compose(parts: Vec<(String, Settings, Plan)>) -> Plan {
    let first = &parts[0].1;
    let wide = backends::workload_wide(first.backend);
    let mut conflicts = Vec::new();
    let mut out = Plan::refused(Vec::new());
    out.workload = first.role_name();
    out.identity = backends::identity(first);
    out.labelled = true;

    // Each secret's files that are its own move under secrets/<label>/; what a file's text says
    // about its path moves with it.
    let mut moved: Vec<Vec<(String, String)>> = Vec::new();
    for (label, _, p) in &parts {
        let mut map = Vec::new();
        for m in &p.deployment_manifests {
            if !is_terraform_file(m) && !wide.files.contains(&m.filename.as_str()) {
                map.push((m.filename.clone(), relocate(&m.filename, label)));
            }
        }
        // The configuration and rotation files `files` holds for each secret (SecretPart::files).
        let part = SecretPart {
            key: label.clone(),
            secret_path: String::new(),
            secrets_config: p.secrets_config.clone(),
            rotation_scripts: p.rotation_scripts.clone(),
        };
        for (path, _) in part.files() {
            map.push((path.clone(), format!("secrets/{label}/{path}")));
        }
        let folders = moved_folders(&map, wide);
        map.extend(folders);
        moved.push(map);
    }

    // Each secret's Terraform blocks, renamed after it (what its prose says about them too).
    // Each secret's Terraform files with its moved paths rewritten, once.
    let terraform_texts: Vec<Vec<(&str, String)>> = parts
        .iter()
        .zip(&moved)
        .map(|((_, _, p), map)| {
            p.deployment_manifests
                .iter()
                .filter(|m| is_terraform_file(m))
                .map(|m| (m.filename.as_str(), rewrite_paths(&m.content, map)))
                .collect()
        })
        .collect();
    let renamed: Vec<Vec<Rename>> = parts
        .iter()
        .zip(&terraform_texts)
        .map(|((label, _, _), texts)| texts.iter().flat_map(|(_, text)| renames(text, label, wide)).collect())
        .collect();

    // Decisions: those every secret's plan states once, the others under their secret.
    let common: Vec<String> = parts[0]
        .2
        .decisions
        .iter()
        .filter(|d| parts.iter().all(|(_, _, p)| p.decisions.contains(d)))
        // A sentence naming one secret's own blocks or files stays with each secret, renamed.
        .filter(|d| {
            renamed
                .iter()
                .zip(&moved)
                .all(|(r, map)| rename_prose(&rewrite_paths(d, map), r) == **d)
        })
        .cloned()
        .collect();
    out.decisions.extend(common.iter().cloned());
    out.decisions.push(format!(
        "This workload's {} secrets share one consumer identity, {} {}, which holds the consumer policy of each; every other name of a secret carries its label ({}--<label>…), Terraform addresses start with <label>__, and its own files sit under secrets/<label>/.",
        parts.len(),
        out.identity.kind,
        out.identity.name,
        out.workload
    ));
    // Pipelines: each secret's own, under secrets/<label>/ where the CI system reads a file of
    // any path (GitHub reads only .github/workflows/, where each keeps its name with the label).
    let pipelines: Vec<String> = parts
        .iter()
        .flat_map(|(_, _, p)| &p.deployment_manifests)
        .filter(|m| m.kind == ManifestType::Cicd && !m.filename.starts_with(".github/"))
        .map(|m| format!("secrets/<label>/{}", m.filename))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !pipelines.is_empty() {
        out.decisions.push(format!(
            "Each secret keeps its own pipeline files ({}): run each as its own pipeline (a GitLab child pipeline with trigger: include: local, a Jenkins job whose script path names it, an Azure DevOps pipeline on that YAML file); all of them authenticate as the workload's one identity.",
            pipelines.join(", ")
        ));
    }
    for (((label, _, p), map), renames) in parts.iter().zip(&moved).zip(&renamed) {
        for d in p.decisions.iter().filter(|d| !common.contains(d)) {
            out.decisions
                .push(format!("secret \"{label}\": {}", rename_prose(&rewrite_paths(d, map), renames)));
        }
    }

    // Terraform: one module; the secret's blocks renamed after it, the workload's once.
    let mut terraform: BTreeMap<String, Vec<hcl::Structure>> = BTreeMap::new();
    for (texts, renames) in terraform_texts.iter().zip(&renamed) {
        for (filename, text) in texts {
            let body = match hcl::parse(&rename_terraform(text, renames)) {
                Ok(body) => body,
                Err(e) => {
                    conflicts.push(format!("{filename}: {e}"));
                    continue;
                }
            };
            let merged = terraform.entry(filename.to_string()).or_default();
            for structure in body {
                merge_structure(merged, structure, filename, &mut conflicts);
            }
        }
    }

    // Kubernetes objects and other files: the workload's once (Deployment patches merged), the
    // secrets' under their own path.
    let mut manifests: Vec<DeploymentManifest> = Vec::new();
    for ((label, _, p), map) in parts.iter().zip(&moved) {
        for m in &p.deployment_manifests {
            if is_terraform_file(m) {
                // Rendered below from the merged module, in the place the first secret had it.
                if !manifests.iter().any(|x| x.filename == m.filename) {
                    manifests.push(DeploymentManifest::new(m.kind, &m.filename, String::new()));
                }
                continue;
            }
            let content = rewrite_paths(&m.content, map);
            let filename = map
                .iter()
                .find(|(from, _)| *from == m.filename)
                .map_or_else(|| m.filename.clone(), |(_, to)| to.clone());
            match manifests.iter_mut().find(|x| x.filename == filename) {
                None => manifests.push(DeploymentManifest {
                    filename,
                    content,
                    ..m.clone()
                }),
                Some(existing) if existing.content == content => {}
                // Two secrets' patches of the workload's one Deployment: merged as kubectl would.
                Some(existing) => match (&mut existing.patch, &m.patch) {
                    (Some(ours), Some(theirs)) => match merge_value(ours, theirs, "") {
                        Ok(()) => existing.content = render::yaml(ours),
                        Err(e) => conflicts.push(format!("{filename} (secret {label}): {e}")),
                    },
                    _ => conflicts.push(format!("{filename} differs between secrets")),
                },
            }
        }
    }
    // A shared block that names the secrets' blocks (a Vault role listing their policies) reads
    // best after them, where a reader of the file has met what it names.
    let prefixes: Vec<String> = parts.iter().map(|(label, _, _)| format!("{}__", label.replace('-', "_"))).collect();
    for structures in terraform.values_mut() {
        let names_secrets = |s: &hcl::Structure| match s {
            hcl::Structure::Block(b) if !prefixes.iter().any(|p| b.labels.iter().any(|l| l.as_str().starts_with(p.as_str()))) => {
                let text = hcl::to_string(b).unwrap_or_default();
                prefixes.iter().any(|p| text.contains(&format!(".{p}")))
            }
            _ => false,
        };
        let (last, first): (Vec<_>, Vec<_>) = std::mem::take(structures).into_iter().partition(|s| names_secrets(s));
        *structures = first.into_iter().chain(last).collect();
    }
    for m in &mut manifests {
        if let Some(structures) = terraform.remove(&m.filename) {
            m.content = render::hcl(&structures.into_iter().collect::<hcl::Body>());
        }
    }
    out.deployment_manifests = manifests;

    // Policies: the workload-wide ones (the identity's trust) once; a name two different
    // documents share is a conflict.
    for (_, _, p) in &parts {
        for policy in &p.access_policies {
            match out.access_policies.iter().find(|x| x.policy_name == policy.policy_name) {
                None => out.access_policies.push(policy.clone()),
                Some(x) if x == policy => {}
                Some(_) => conflicts.push(format!("access policy {} differs between secrets", policy.policy_name)),
            }
        }
    }

    for (label, _, p) in &parts {
        out.secrets.push(SecretPart {
            key: label.clone(),
            secret_path: p.secrets_config.secret_path.clone(),
            secrets_config: p.secrets_config.clone(),
            rotation_scripts: p.rotation_scripts.clone(),
        });
        for (path, content) in &p.platform_files {
            match out.platform_files.get(path) {
                None => {
                    out.platform_files.insert(path.clone(), content.clone());
                }
                Some(x) if x == content => {}
                Some(_) => conflicts.push(format!("platform file {path} differs between secrets")),
            }
        }
        for ph in &p.placeholders {
            if !out.placeholders.contains(ph) {
                out.placeholders.push(ph.clone());
            }
        }
        out.findings.extend(p.findings.iter().map(|f| in_block(label, f.clone())));
    }
    out.findings = merge_findings(std::mem::take(&mut out.findings));
    let sdk: Vec<integration::SecretCode<'_>> = parts
        .iter()
        .map(|(label, settings, p)| integration::SecretCode {
            label,
            settings,
            config: &p.secrets_config,
        })
        .collect();
    let (code, mut decisions) = integration::workload_code(&sdk, sdk_templates(first.backend));
    out.integration_code = code;
    out.decisions.append(&mut decisions);
    // The top-level copies a `secretsint_plan` has; a workload exposes `secrets` instead.
    out.secrets_config = parts[0].2.secrets_config.clone();
    out.secrets_config.config_file = None;
    for c in conflicts {
        out.findings.push(Finding {
            kind: FindingKind::Error,
            field: vec!["secret".into()],
            summary: "Secrets Of This Workload Collide".into(),
            detail: format!(
                "Two secrets of this workload would declare the same object differently ({c}). This is a planner bug: please report it with the workload's configuration."
            ),
        });
    }
    out
}

fn is_terraform_file(m: &DeploymentManifest) -> bool {
    m.kind == ManifestType::Terraform && m.filename.ends_with(".tf")
}

/// Where one secret's own file goes: a GitHub workflow stays in `.github/workflows/` (GitHub
/// reads no other folder) with the label in its name; everything else under `secrets/<label>/`.
fn relocate(path: &str, label: &str) -> String {
    match path.strip_prefix(".github/workflows/") {
        Some(file) => {
            let (stem, ext) = file.rsplit_once('.').unwrap_or((file, "yml"));
            format!(".github/workflows/{stem}--{label}.{ext}")
        }
        None => format!("secrets/{label}/{path}"),
    }
}

/// `text` with each moved path (files first, then folders) replaced by its new place.
fn rewrite_paths(text: &str, map: &[(String, String)]) -> String {
    map.iter().fold(text.to_string(), |out, (from, to)| replace_token(&out, from, to))
}

/// The folders of moved files that moved whole: prose and Terraform name them too
/// (`${path.module}/../functions/rotate`). A folder that also holds a workload-wide file stays
/// (kubernetes/ holds the shared service account), as does GitHub's. A folder of two segments
/// or more is matched as it is, a one-word folder only as `word/`, so a block named like it
/// keeps its name.
fn moved_folders(files: &[(String, String)], wide: &WorkloadWide) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (from, to) in files {
        let (Some((from_dir, _)), Some((to_dir, _))) = (from.rsplit_once('/'), to.rsplit_once('/')) else {
            continue;
        };
        let shared = wide.files.iter().any(|f| f.rsplit_once('/').is_some_and(|(d, _)| d == from_dir));
        if shared || to_dir.starts_with(".github") {
            continue;
        }
        let (from_dir, to_dir) = if from_dir.contains('/') {
            (from_dir.to_string(), to_dir.to_string())
        } else {
            (format!("{from_dir}/"), format!("{to_dir}/"))
        };
        if !out.iter().any(|(f, _)| *f == from_dir) {
            out.push((from_dir, to_dir));
        }
    }
    out
}

/// Replaces `needle` wherever it stands alone: not inside a longer name or path segment, and not
/// already moved (preceded by a `/` that belongs to the new place).
fn replace_token(text: &str, needle: &str, replacement: &str) -> String {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(needle) {
        let after = rest[i + needle.len()..].chars().next();
        // Already in its new place: the text before it is what the move put in front.
        let done_before = replacement
            .strip_suffix(needle)
            .is_some_and(|front| !front.is_empty() && format!("{out}{}", &rest[..i]).ends_with(front));
        let before = rest[..i].chars().next_back().or_else(|| out.chars().next_back());
        // A path starts a word, or follows `../` or `${path.module}/`; after any other `/` it is
        // the tail of a longer path (functions/rotation/ is not rotation/).
        let head = format!("{out}{}", &rest[..i]);
        let starts = match before {
            None => true,
            Some('/') => head.ends_with("../") || head.ends_with("}/"),
            Some(c) => !word(c),
        };
        let standalone =
            starts && (needle.ends_with('/') || after.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))) && !done_before;
        out.push_str(&rest[..i]);
        out.push_str(if standalone { replacement } else { needle });
        rest = &rest[i + needle.len()..];
    }
    out.push_str(rest);
    out
}

/// The address of a top-level block as `WorkloadWide` lists it.
fn address(block: &hcl::Block) -> String {
    let mut parts = vec![block.identifier.as_str().to_string()];
    parts.extend(block.labels.iter().map(|l| l.as_str().to_string()));
    parts.join(".")
}

/// One rename of a secret's block: its header and its references, before and after.
struct Rename {
    header: String,
    reference: String,
    new_header: String,
    new_reference: String,
    /// A variable's name: prose names it bare (`set rotation_function_published = true`).
    variable: Option<(String, String)>,
}

/// The renames of one secret's Terraform: every block that is not workload-wide becomes
/// `<label>__<name>`.
fn renames(text: &str, label: &str, wide: &WorkloadWide) -> Vec<Rename> {
    let Ok(body) = hcl::parse(text) else {
        return Vec::new();
    };
    let prefix = format!("{}__", label.replace('-', "_"));
    let mut out = Vec::new();
    for block in body.blocks() {
        let addr = address(block);
        if wide.terraform.contains(&addr.as_str()) || ado::WORKLOAD_WIDE.contains(&addr.as_str()) {
            continue;
        }
        let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
        let (header, reference, new_header, new_reference) = match (block.identifier.as_str(), labels.as_slice()) {
            ("resource", [kind, name]) => (
                format!("resource \"{kind}\" \"{name}\""),
                format!("{kind}.{name}"),
                format!("resource \"{kind}\" \"{prefix}{name}\""),
                format!("{kind}.{prefix}{name}"),
            ),
            ("data", [kind, name]) => (
                format!("data \"{kind}\" \"{name}\""),
                format!("data.{kind}.{name}"),
                format!("data \"{kind}\" \"{prefix}{name}\""),
                format!("data.{kind}.{prefix}{name}"),
            ),
            ("variable", [name]) => (
                format!("variable \"{name}\""),
                format!("var.{name}"),
                format!("variable \"{prefix}{name}\""),
                format!("var.{prefix}{name}"),
            ),
            ("output", [name]) => (
                format!("output \"{name}\""),
                String::new(),
                format!("output \"{prefix}{name}\""),
                String::new(),
            ),
            _ => continue,
        };
        let variable = (block.identifier.as_str() == "variable").then(|| (labels[0].to_string(), format!("{prefix}{}", labels[0])));
        out.push(Rename {
            header,
            reference,
            new_header,
            new_reference,
            variable,
        });
    }
    out
}

/// A secret's Terraform with its blocks renamed and every reference to them with them.
fn rename_terraform(text: &str, renames: &[Rename]) -> String {
    let mut out = text.to_string();
    for r in renames {
        out = out.replacen(&r.header, &r.new_header, 1);
        if !r.reference.is_empty() {
            out = replace_reference(&out, &r.reference, &r.new_reference);
        }
    }
    out
}

/// A sentence about a secret with the renamed blocks' new addresses, and the renamed variables'
/// new names where it names them bare (names with an underscore only, so prose stays prose).
fn rename_prose(text: &str, renames: &[Rename]) -> String {
    let mut out = text.to_string();
    for r in renames {
        if !r.reference.is_empty() {
            out = replace_reference(&out, &r.reference, &r.new_reference);
        }
        if let Some((name, new)) = &r.variable {
            if name.contains('_') {
                out = replace_reference(&out, name, new);
            }
        }
    }
    out
}

/// Replaces a Terraform reference (`TYPE.NAME`, `data.TYPE.NAME`, `var.NAME`) where it is one:
/// not a suffix of a longer traversal (`data.TYPE.NAME` for `TYPE.NAME`) nor a prefix of a
/// longer name.
fn replace_reference(text: &str, reference: &str, replacement: &str) -> String {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(reference) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + reference.len()..].chars().next();
        let whole = before.is_none_or(|c| !(ident(c) || c == '.')) && after.is_none_or(|c| !ident(c));
        out.push_str(&rest[..i]);
        out.push_str(if whole { replacement } else { reference });
        rest = &rest[i + reference.len()..];
    }
    out.push_str(rest);
    out
}

/// Adds one top-level structure to a module: a block already there with the same address is
/// merged (lists joined, the longer duration kept); anything else that differs is a conflict.
fn merge_structure(into: &mut Vec<hcl::Structure>, s: hcl::Structure, file: &str, conflicts: &mut Vec<String>) {
    let hcl::Structure::Block(block) = s else {
        if !into.contains(&s) {
            into.push(s);
        }
        return;
    };
    let addr = address(&block);
    let existing = into.iter_mut().find_map(|x| match x {
        hcl::Structure::Block(b) if address(b) == addr => Some(b),
        _ => None,
    });
    match existing {
        None => into.push(hcl::Structure::Block(block)),
        Some(b) if *b == block => {}
        Some(b) => {
            if let Err(e) = merge_block(b, &block) {
                conflicts.push(format!("{file}: {addr}: {e}"));
            }
        }
    }
}

fn merge_block(into: &mut hcl::Block, other: &hcl::Block) -> Result<(), String> {
    // Nested blocks by identifier and labels: the same one merged, a new one added
    // (`required_providers` gains the providers another secret needs).
    for nested in other.body.blocks() {
        let key = (nested.identifier.as_str(), &nested.labels);
        let same = into.body.iter_mut().find_map(|x| match x {
            hcl::Structure::Block(b) if (b.identifier.as_str(), &b.labels) == key => Some(b),
            _ => None,
        });
        match same {
            Some(b) if b == nested => {}
            Some(b) => merge_block(b, nested).map_err(|e| format!("{}: {e}", nested.identifier.as_str()))?,
            None => into.body.0.push(hcl::Structure::Block(nested.clone())),
        }
    }
    let theirs: BTreeMap<String, hcl::Expression> = other
        .body
        .attributes()
        .map(|a| (a.key.as_str().to_string(), a.expr.clone()))
        .collect();
    let ours: BTreeSet<String> = into.body.attributes().map(|a| a.key.as_str().to_string()).collect();
    // `required_providers` lists each provider a secret needs; elsewhere an attribute only
    // one copy sets would change what the block means.
    if into.identifier.as_str() == "required_providers" {
        for (key, expr) in &theirs {
            if !ours.contains(key) {
                into.body
                    .0
                    .push(hcl::Structure::Attribute(hcl::Attribute::new(key.clone(), expr.clone())));
            }
        }
    } else if ours != theirs.keys().cloned().collect() {
        return Err("attributes differ".into());
    }
    for structure in into.body.iter_mut() {
        let hcl::Structure::Attribute(attr) = structure else { continue };
        let Some(theirs) = theirs.get(attr.key.as_str()) else { continue };
        if let (hcl::Expression::Object(a), hcl::Expression::Object(b)) = (&mut attr.expr, theirs) {
            for (k, v) in b {
                match a.get(k) {
                    Some(x) if x == v => {}
                    Some(_) => return Err(format!("{}.{k:?} differs", attr.key.as_str())),
                    None => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
            continue;
        }
        if attr.expr == *theirs {
            continue;
        }
        attr.expr = match (&attr.expr, theirs) {
            (hcl::Expression::Array(a), hcl::Expression::Array(b)) => {
                let mut joined = a.clone();
                joined.extend(b.iter().filter(|x| !a.contains(x)).cloned());
                hcl::Expression::Array(joined)
            }
            // The module needs the newest Terraform any secret's blocks need.
            (hcl::Expression::String(a), hcl::Expression::String(b)) if attr.key.as_str() == "required_version" => {
                match (minimum_version(a), minimum_version(b)) {
                    (Some(x), Some(y)) => hcl::Expression::String(if x >= y { a.clone() } else { b.clone() }),
                    _ => return Err(format!("required_version differs: {a} and {b}")),
                }
            }
            (hcl::Expression::Number(a), hcl::Expression::Number(b)) => match (a.as_u64(), b.as_u64()) {
                (Some(x), Some(y)) => hcl::Expression::Number(x.max(y).into()),
                _ => return Err(format!("{} differs", attr.key.as_str())),
            },
            (ours, theirs) => return Err(format!("{} differs: {ours:?} and {theirs:?}", attr.key.as_str())),
        };
    }
    Ok(())
}

/// The version a `>= X.Y[.Z]` constraint names, as numbers.
fn minimum_version(constraint: &str) -> Option<Vec<u64>> {
    let version = constraint.trim().strip_prefix(">=")?.trim();
    version.split('.').map(|n| n.parse().ok()).collect()
}

/// Two values of one Kubernetes patch merged as `kubectl patch` merges a strategic patch: maps
/// key by key, lists of named items by name, other lists joined; scalars must agree.
fn merge_value(into: &mut Value, other: &Value, at: &str) -> Result<(), String> {
    match (into, other) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(k) {
                    Some(x) => merge_value(x, v, &format!("{at}.{k}"))?,
                    None => {
                        a.insert(k.clone(), v.clone());
                    }
                }
            }
            Ok(())
        }
        (Value::Array(a), Value::Array(b)) => {
            for item in b {
                let name = item.get("name").filter(|_| item.is_object());
                let same = name.and_then(|n| a.iter().position(|x| x.get("name") == Some(n)));
                match same {
                    Some(i) => merge_value(&mut a[i], item, &format!("{at}[{}]", name.map_or(String::new(), |n| n.to_string())))?,
                    None if a.contains(item) => {}
                    None => a.push(item.clone()),
                }
            }
            Ok(())
        }
        (a, b) if *a == *b => Ok(()),
        (a, b) => Err(format!("{at}: {a} and {b}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_renamed_only_where_they_are_whole() {
        let text = "a = vault_policy.consumer.name\nb = data.vault_policy.consumer.x\nc = vault_policy.consumers.name\n";
        let out = replace_reference(text, "vault_policy.consumer", "vault_policy.db__consumer");
        assert_eq!(
            out,
            "a = vault_policy.db__consumer.name\nb = data.vault_policy.consumer.x\nc = vault_policy.consumers.name\n"
        );
    }

    #[test]
    fn moved_paths_are_rewritten_once() {
        let mut map = vec![(
            "functions/rotate/main.py".to_string(),
            "secrets/db/functions/rotate/main.py".to_string(),
        )];
        let wide = WorkloadWide {
            terraform: &[],
            files: &["kubernetes/serviceaccount.yaml"],
        };
        map.extend(moved_folders(&map, &wide));
        let kubernetes = [("kubernetes/x.yaml".to_string(), "secrets/db/kubernetes/x.yaml".to_string())];
        assert!(moved_folders(&kubernetes, &wide).is_empty(), "a folder with a shared file stays");
        let out = rewrite_paths(
            "source_dir = \"${path.module}/../functions/rotate\" and functions/rotate_secret",
            &map,
        );
        assert_eq!(
            out,
            "source_dir = \"${path.module}/../secrets/db/functions/rotate\" and functions/rotate_secret"
        );
    }

    #[test]
    fn named_list_items_merge_by_name() {
        let mut a = serde_json::json!({"spec": {"containers": [{"name": "app", "env": [{"name": "A", "value": "1"}]}]}});
        let b = serde_json::json!({"spec": {"containers": [{"name": "app", "env": [{"name": "B", "value": "2"}]}]}});
        merge_value(&mut a, &b, "").unwrap();
        assert_eq!(a["spec"]["containers"][0]["env"].as_array().unwrap().len(), 2, "{a}");
        assert!(merge_value(&mut serde_json::json!({"x": 1}), &serde_json::json!({"x": 2}), "").is_err());
    }
}
