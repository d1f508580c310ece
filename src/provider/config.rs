//! Configuration value -> planner request. Every problem becomes a diagnostic on the exact
//! attribute path; unknown values are skipped and make the request incomplete, never an error.

use crate::planner::effect::{self, Combo};
use crate::planner::request::{
    shape, CertificateInput, CicdInput, DatabaseInput, DnsLabel, Duration, KubernetesInput, TextField, TEXT_FIELDS,
};
use crate::planner::request::{ApiKeyInput, AwsInput, AzureInput, GcpInput, VaultInput};
use crate::planner::workload::{SecretSpec, WorkloadRequest};
use crate::planner::{Backend, Choice, CicdPlatform, CredentialType, Include, Language, Request, Rotation, Target};
use crate::tf::{Diagnostics, Path, Value};

use super::messages;
use super::schema::{MAX_LABEL, MAX_SECRETS, PER_SECRET};
use super::ProviderConfig;

/// No argument needs more than this many bytes (the longest real one, a KMS key ARN, is ~2 KB);
/// a bound keeps a pasted file or a runaway expression from being copied into every artifact.
pub const MAX_STRING: usize = 4096;
/// Each language at most once.
pub const MAX_LANGUAGES: usize = 4;
/// More subject alternative names than public CAs put in one certificate (100) is a mistake.
pub const MAX_ALT_NAMES: usize = 100;
/// AWS Secrets Manager's longest rotation schedule, the longest any backend takes.
pub const MAX_ROTATION_PERIOD: Duration = Duration::from_secs(999 * 86_400);
/// An ESO refresh interval longer than a day leaves a rotated secret stale for days.
pub const MAX_REFRESH_INTERVAL: Duration = Duration::from_secs(86_400);
/// The CA/Browser Forum's longest leaf certificate lifetime.
pub const MAX_CERTIFICATE_TTL: Duration = Duration::from_secs(398 * 86_400);

/// Reads attributes while collecting diagnostics; `complete` turns false at the first unknown.
struct Reader {
    diags: Diagnostics,
    complete: bool,
}

impl Reader {
    fn known<'v>(&mut self, v: &'v Value) -> Option<&'v Value> {
        match v {
            Value::Unknown => {
                self.complete = false;
                None
            }
            Value::Null => None,
            _ => Some(v),
        }
    }

    /// An optional bool; null or unknown is `None` (unknown also marks the read incomplete).
    fn flag(&mut self, path: &Path, v: &Value) -> Option<bool> {
        match self.known(v)? {
            Value::Bool(b) => Some(*b),
            _ => {
                self.error(path.clone(), messages::invalid_value(&path.to_string(), "must be true or false"));
                None
            }
        }
    }

    fn error(&mut self, path: Path, (summary, detail): (String, String)) {
        self.diags.error(Some(path), summary, detail);
    }

    fn text<'v>(&mut self, path: &Path, v: &'v Value) -> Option<&'v str> {
        match self.known(v)? {
            Value::String(s) if s.len() > MAX_STRING => {
                self.error(path.clone(), messages::too_long(&path.to_string(), s.len(), MAX_STRING));
                None
            }
            Value::String(s) => Some(s),
            _ => {
                self.error(path.clone(), messages::invalid_value(&path.to_string(), "must be a string"));
                None
            }
        }
    }

    fn choice<C: Choice>(&mut self, path: &Path, v: &Value) -> Option<C> {
        let text = self.text(path, v)?;
        let parsed = C::parse(text);
        if parsed.is_none() {
            self.error(path.clone(), messages::invalid_choice::<C>(&path.to_string(), messages::clip(text)));
        }
        parsed
    }

    fn checked<T>(&mut self, path: &Path, v: &Value, check: impl FnOnce(&str) -> Result<T, String>) -> Option<T> {
        let text = self.text(path, v)?;
        match check(text) {
            Ok(t) => Some(t),
            Err(problem) => {
                // Checks quote the value; a long one is shown clipped so a diagnostic stays readable.
                let problem = if text.len() > messages::CLIP {
                    problem.replace(&format!("{text:?}"), &format!("{:?}…", messages::clip(text)))
                } else {
                    problem
                };
                self.error(path.clone(), messages::invalid_value(&path.to_string(), &problem));
                None
            }
        }
    }

    fn required<C: Choice>(&mut self, obj: &Value, name: &str) -> Option<C> {
        let path = Path::attr(name);
        let v = obj.get(name);
        if v.is_null() {
            self.error(path, messages::required(name));
            return None;
        }
        self.choice(&path, v)
    }

    /// A list's elements, or `None` (with one diagnostic) when it holds more than `max`: each
    /// element is checked only within the bound, so a huge list costs one diagnostic, not one
    /// per element.
    fn list<'v>(&mut self, path: &Path, v: &'v Value, max: usize) -> Option<&'v [Value]> {
        let Value::List(items) = self.known(v)? else {
            return None;
        };
        if items.len() > max {
            self.error(path.clone(), messages::too_many(&path.to_string(), items.len(), max));
            return None;
        }
        Some(items)
    }

    fn languages(&mut self, path: &Path, v: &Value) -> Option<Vec<Language>> {
        self.choices::<Language>(path, v, MAX_LANGUAGES)
    }

    /// A list of distinct choices, at most `max` long.
    fn choices<C: Choice + PartialEq>(&mut self, path: &Path, v: &Value, max: usize) -> Option<Vec<C>> {
        let items = self.list(path, v, max)?;
        let mut out: Vec<C> = Vec::with_capacity(items.len());
        // Every repeat of a value is one finding: reported once, on the first repeat, with a count.
        let mut repeats: Vec<(C, usize, Path)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = path.with_index(i as i64);
            if item.is_null() {
                self.error(
                    p,
                    messages::invalid_value(&path.to_string(), &format!("an element is null; list {} names only", C::WHAT)),
                );
                continue;
            }
            if let Some(lang) = self.choice::<C>(&p, item) {
                if !out.contains(&lang) {
                    out.push(lang);
                } else if let Some(r) = repeats.iter_mut().find(|r| r.0 == lang) {
                    r.1 += 1;
                } else {
                    repeats.push((lang, 1, p));
                }
            }
        }
        for (lang, count, p) in repeats {
            self.error(p, messages::duplicate_choice(C::WHAT, &path.to_string(), lang.as_str(), count));
        }
        Some(out)
    }

    /// Findings of one kind are reported once: when the elements of one list added several
    /// diagnostics since `before`, the first stays (on its element) and says how many more.
    fn collapse_repeats(&mut self, before: usize, list: &str) {
        let mut all = std::mem::take(&mut self.diags).into_vec();
        if all.len() > before + 1 {
            let more = all.len() - before - 1;
            all.truncate(before + 1);
            all[before].detail.push_str(&messages::and_more(list, more));
        }
        for d in all {
            self.diags.push(d);
        }
    }

    /// A duration of at most `max`, the argument's documented bound.
    fn duration(&mut self, path: &Path, v: &Value, max: Duration) -> Option<Duration> {
        self.checked(path, v, |t| {
            let d = Duration::parse(t)?;
            if d > max {
                Err(format!("{t:?} is longer than {}, the longest this argument accepts", max.to_text()))
            } else {
                Ok(d)
            }
        })
    }

    fn label(&mut self, path: &Path, v: &Value, max: usize) -> Option<DnsLabel> {
        self.checked(path, v, |t| DnsLabel::parse(t, max))
    }
}

pub fn provider_config(v: &Value) -> (ProviderConfig, Diagnostics) {
    let mut r = Reader::new();
    let default_languages = r.languages(&Path::attr("default_languages"), v.get("default_languages"));
    let strict = matches!(v.get("strict"), Value::Bool(true));
    (ProviderConfig { default_languages, strict }, r.diags)
}

/// The request for a data source configuration, or `None` when it has errors or unknowns.
pub fn request(config: &Value, provider: &ProviderConfig) -> (Option<Request>, Diagnostics) {
    let mut r = Reader::new();
    let backend = r.required::<Backend>(config, "secrets_backend");
    let target = r.required::<Target>(config, "integration_target");
    let rotation = r.required::<Rotation>(config, "rotation_policy");
    let attr = Path::attr;

    let credential = r.choice(&attr("credential_type"), config.get("credential_type"));
    let name = r.label(&attr("name"), config.get("name"), 40);
    let environment = r.label(&attr("environment"), config.get("environment"), 40);
    let languages = r.languages(&attr("languages"), config.get("languages"));
    let rotation_period = r.duration(&attr("rotation_period"), config.get("rotation_period"), MAX_ROTATION_PERIOD);
    let include = r.choices::<Include>(&attr("include"), config.get("include"), Include::ALL.len());
    // Every free-text argument, through the one table the planner re-checks with.
    let texts = r.texts(&Path::root(), config, |_| true);
    let database = database(&mut r, &attr("database"), config.get("database"));
    let kubernetes = kubernetes(&mut r, config.get("kubernetes"));
    let cicd = cicd(&mut r, config.get("cicd"));
    let certificate = certificate(&mut r, &attr("certificate"), config.get("certificate"));
    let api_key = api_key(&mut r, config.get("api_key"));

    let (Some(backend), Some(target), Some(rotation)) = (backend, target, rotation) else {
        return (None, r.diags);
    };
    if !r.complete || r.diags.has_errors() {
        return (None, r.diags);
    }
    let combo = Combo {
        backend,
        target,
        rotation,
        credential: credential.unwrap_or(CredentialType::Generic),
        platform: cicd.platform.unwrap_or(CicdPlatform::GithubActions),
    };
    r.unused_arguments(&Path::root(), config, &[combo], &combo_text(combo), provider.strict, |_, _| true);
    let mut request = Request {
        backend,
        target,
        rotation,
        credential,
        name,
        environment,
        languages,
        rotation_period,
        timestamp: None,
        vault: VaultInput::default(),
        aws: AwsInput::default(),
        azure: AzureInput::default(),
        gcp: GcpInput::default(),
        database,
        kubernetes,
        cicd,
        certificate,
        api_key,
        include,
        default_languages: provider.default_languages.clone(),
        strict: provider.strict,
        secret_label: None,
    };
    for (field, text) in texts {
        *(field.slot)(&mut request) = text;
    }
    (Some(request), r.diags)
}

/// Whether a free-text argument sits in a workload's `secret` block.
fn in_secret_block(block: Option<&str>, attr: &str) -> bool {
    match block {
        Some(block) => PER_SECRET.contains(&block),
        None => PER_SECRET.contains(&attr),
    }
}

/// One `secret "LABEL" {}` block as read, before the workload's arguments are known good.
struct SecretArgs {
    label: DnsLabel,
    path: Path,
    credential: Option<CredentialType>,
    rotation: Option<Rotation>,
    rotation_period: Option<Duration>,
    database: DatabaseInput,
    certificate: CertificateInput,
    texts: Vec<(&'static TextField, Option<String>)>,
}

/// The request for a `secretsint_workload` configuration, or `None` when it has errors or
/// unknowns. The same readers as [`request`], with the per-secret arguments read in each
/// `secret` block and diagnosed at `secret["LABEL"].…`.
pub fn workload_request(config: &Value, provider: &ProviderConfig) -> (Option<WorkloadRequest>, Diagnostics) {
    let mut r = Reader::new();
    let backend = r.required::<Backend>(config, "secrets_backend");
    let target = r.required::<Target>(config, "integration_target");
    let attr = Path::attr;
    let name = r.label(&attr("name"), config.get("name"), 40);
    let environment = r.label(&attr("environment"), config.get("environment"), 40);
    let languages = r.languages(&attr("languages"), config.get("languages"));
    let include = r.choices::<Include>(&attr("include"), config.get("include"), Include::ALL.len());
    let texts = r.texts(&Path::root(), config, |f| !in_secret_block(f.block, f.attr));
    let kubernetes = kubernetes(&mut r, config.get("kubernetes"));
    let cicd = cicd(&mut r, config.get("cicd"));
    let api_key = api_key(&mut r, config.get("api_key"));
    let secrets = r.secrets(config.get("secret"));

    let (Some(backend), Some(target), Some(secrets)) = (backend, target, secrets) else {
        return (None, r.diags);
    };
    let (Some(first), true) = (secrets.first().and_then(|s| s.rotation), r.complete && !r.diags.has_errors()) else {
        return (None, r.diags);
    };
    let platform = cicd.platform.unwrap_or(CicdPlatform::GithubActions);
    let combo = |s: &SecretArgs| Combo {
        backend,
        target,
        rotation: s.rotation.unwrap_or(first),
        credential: s.credential.unwrap_or(CredentialType::Generic),
        platform,
    };
    let combos: Vec<Combo> = secrets.iter().map(combo).collect();
    let each: Vec<String> = secrets
        .iter()
        .zip(&combos)
        .map(|(s, c)| format!("{} ({}, {})", s.label.as_str(), c.credential, c.rotation))
        .collect();
    let text = format!(
        "secrets_backend \"{backend}\", integration_target \"{target}\", secrets {}",
        each.join(", ")
    );
    r.unused_arguments(&Path::root(), config, &combos, &text, provider.strict, |b, a| {
        !in_secret_block(b, a)
    });
    for (s, c) in secrets.iter().zip(&combos) {
        let block = config.get("secret").get(s.label.as_str());
        r.unused_arguments(&s.path, block, &[*c], &combo_text(*c), provider.strict, in_secret_block);
    }
    let mut base = Request::new(backend, target, first);
    base.name = name;
    base.environment = environment;
    base.languages = languages;
    base.kubernetes = kubernetes;
    base.cicd = cicd;
    base.api_key = api_key;
    base.include = include;
    base.default_languages = provider.default_languages.clone();
    base.strict = provider.strict;
    for (field, text) in texts {
        *(field.slot)(&mut base) = text;
    }
    let specs = secrets
        .into_iter()
        .map(|s| {
            // The block's free text lands where a plan's would, then moves into the spec.
            let mut scratch = base.clone();
            scratch.database = s.database;
            scratch.certificate = s.certificate;
            for (field, text) in s.texts {
                *(field.slot)(&mut scratch) = text;
            }
            SecretSpec {
                credential: s.credential.unwrap_or(CredentialType::Generic),
                rotation: s.rotation.unwrap_or(first),
                rotation_period: s.rotation_period,
                database: scratch.database,
                certificate: scratch.certificate,
                label: s.label,
            }
        })
        .collect();
    (Some(WorkloadRequest { base, secrets: specs }), r.diags)
}

impl Reader {
    fn new() -> Reader {
        Reader {
            diags: Diagnostics::new(),
            complete: true,
        }
    }

    /// Every free-text argument `keep` selects, under `root` (at `at`), each checked by the
    /// grammar the planner re-checks with.
    fn texts(&mut self, at: &Path, root: &Value, keep: fn(&TextField) -> bool) -> Vec<(&'static TextField, Option<String>)> {
        TEXT_FIELDS
            .iter()
            .filter(|f| keep(f))
            .map(|f| {
                let (path, value) = match f.block {
                    Some(block) => (at.with_attr(block).with_attr(f.attr), root.get(block).get(f.attr)),
                    None => (at.with_attr(f.attr), root.get(f.attr)),
                };
                let text = self.checked(&path, value, f.grammar);
                if text.as_deref().is_some_and(|t| t.starts_with("http://")) {
                    let (summary, detail) = messages::plain_http(&path.to_string());
                    self.diags.warning(Some(path), summary, detail);
                }
                (f, text)
            })
            .collect()
    }

    /// A required choice inside a block at `path`.
    fn required_in<C: Choice>(&mut self, path: &Path, v: &Value) -> Option<C> {
        if v.is_null() {
            self.error(path.clone(), messages::required_in_block(&path.to_string()));
            return None;
        }
        self.choice(path, v)
    }

    /// The `secret` blocks, by label (the map's order, which is sorted), or `None` (with a
    /// diagnostic on `secret`) when there are none or more than a workload holds. An unknown
    /// block marks the read incomplete.
    fn secrets(&mut self, v: &Value) -> Option<Vec<SecretArgs>> {
        let path = Path::attr("secret");
        let blocks = match v {
            Value::Unknown => {
                self.complete = false;
                return None;
            }
            Value::Map(m) => m.len(),
            _ => 0,
        };
        if blocks == 0 || blocks > MAX_SECRETS {
            self.error(path, messages::secret_count(blocks, MAX_SECRETS));
            return None;
        }
        let Value::Map(m) = v else { return None };
        let mut out = Vec::with_capacity(m.len());
        for (label, block) in m {
            let mut at = path.clone();
            at.push_key(label);
            let label = match DnsLabel::parse(label, MAX_LABEL).and_then(|l| {
                if l.as_str().contains("--") {
                    Err(messages::label_double_hyphen(l.as_str()))
                } else {
                    Ok(l)
                }
            }) {
                Ok(l) => l,
                Err(problem) => {
                    self.error(at.clone(), messages::invalid_label(&at.to_string(), &problem));
                    continue;
                }
            };
            if self.known(block).is_none() {
                continue;
            }
            let credential = self.required_in::<CredentialType>(&at.with_attr("credential_type"), block.get("credential_type"));
            let rotation = self.required_in::<Rotation>(&at.with_attr("rotation_policy"), block.get("rotation_policy"));
            let rotation_period = self.duration(&at.with_attr("rotation_period"), block.get("rotation_period"), MAX_ROTATION_PERIOD);
            let texts = self.texts(&at, block, |f| in_secret_block(f.block, f.attr));
            let database = database(self, &at.with_attr("database"), block.get("database"));
            let certificate = certificate(self, &at.with_attr("certificate"), block.get("certificate"));
            out.push(SecretArgs {
                label,
                path: at,
                credential,
                rotation,
                rotation_period,
                database,
                certificate,
                texts,
            });
        }
        Some(out)
    }

    /// A warning (an error under `strict`) for every block and argument `keep` selects that is
    /// set in `scope` (at `at`) and read by none of `combos`: a whole block when none of its
    /// arguments is read, else each argument. The table is `planner::effect::USES`.
    fn unused_arguments(
        &mut self,
        at: &Path,
        scope: &Value,
        combos: &[Combo],
        plan: &str,
        strict: bool,
        keep: fn(Option<&str>, &str) -> bool,
    ) {
        let set = |v: &Value| !v.is_null() && !v.is_unknown();
        let report = |r: &mut Reader, path: Path, (summary, detail): (String, String)| {
            if strict {
                r.diags.error(Some(path), summary, detail);
            } else {
                r.diags.warning(Some(path), summary, detail);
            }
        };
        let block_used = |block: &str| combos.iter().any(|c| effect::block_used(block, *c));
        for (block, when) in effect::BLOCKS {
            if keep(Some(block), "") && set(scope.get(block)) && !block_used(block) {
                let path = at.with_attr(block);
                report(self, path.clone(), messages::no_effect("block", &path.to_string(), plan, when));
            }
        }
        for u in effect::USES.iter().filter(|u| keep(u.block, u.attr)) {
            let (path, value) = match u.block {
                Some(block) if !block_used(block) => continue,
                Some(block) => (at.with_attr(block).with_attr(u.attr), scope.get(block).get(u.attr)),
                None => (at.with_attr(u.attr), scope.get(u.attr)),
            };
            if set(value) && !combos.iter().any(|c| (u.used)(*c)) {
                report(self, path.clone(), messages::no_effect("argument", &path.to_string(), plan, u.when));
            }
        }
    }
}

/// One combination in the words of a diagnostic.
fn combo_text(c: Combo) -> String {
    format!(
        "secrets_backend \"{}\", integration_target \"{}\", rotation_policy \"{}\", credential_type \"{}\"",
        c.backend, c.target, c.rotation, c.credential
    )
}

fn database(r: &mut Reader, p: &Path, v: &Value) -> DatabaseInput {
    DatabaseInput {
        engine: r.choice(&p.with_attr("engine"), v.get("engine")),
        port: port(r, &p.with_attr("port"), v.get("port")),
        ..Default::default()
    }
}

fn kubernetes(r: &mut Reader, v: &Value) -> KubernetesInput {
    let p = Path::attr("kubernetes");
    KubernetesInput {
        namespace: r.label(&p.with_attr("namespace"), v.get("namespace"), 63),
        store_kind: r.choice(&p.with_attr("store_kind"), v.get("store_kind")),
        refresh_interval: r.duration(&p.with_attr("refresh_interval"), v.get("refresh_interval"), MAX_REFRESH_INTERVAL),
        ..Default::default()
    }
}

fn cicd(r: &mut Reader, v: &Value) -> CicdInput {
    let p = Path::attr("cicd");
    CicdInput {
        platform: r.choice(&p.with_attr("platform"), v.get("platform")),
        classic_subject: r.flag(&p.with_attr("classic_subject"), v.get("classic_subject")),
        ..Default::default()
    }
}

fn certificate(r: &mut Reader, p: &Path, v: &Value) -> CertificateInput {
    let alt_path = p.with_attr("alt_names");
    let alt_names = r.list(&alt_path, v.get("alt_names"), MAX_ALT_NAMES).map(|items| {
        let before = r.diags.iter().count();
        let names: Vec<Option<String>> = items
            .iter()
            .enumerate()
            .map(|(i, item)| r.checked(&alt_path.with_index(i as i64), item, shape::subject_alt_name))
            .collect();
        r.collapse_repeats(before, &alt_path.to_string());
        names.into_iter().flatten().collect()
    });
    CertificateInput {
        alt_names,
        ttl: r.duration(&p.with_attr("ttl"), v.get("ttl"), MAX_CERTIFICATE_TTL),
        ..Default::default()
    }
}

fn api_key(r: &mut Reader, v: &Value) -> ApiKeyInput {
    ApiKeyInput {
        issuer: r.choice(&Path::attr("api_key").with_attr("issuer"), v.get("issuer")),
        ..Default::default()
    }
}

fn port(r: &mut Reader, path: &Path, v: &Value) -> Option<u16> {
    match r.known(v)? {
        Value::Number(n) => match n.as_i64() {
            Some(p @ 1..=65535) => Some(p as u16),
            _ => {
                r.error(
                    path.clone(),
                    messages::invalid_value(&path.to_string(), &format!("{n} is not a port; use a whole number from 1 to 65535")),
                );
                None
            }
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tf::Type;

    /// String arguments read by a typed reader (a choice, a label, a duration) instead of a grammar.
    const TYPED: &[&str] = &[
        "secrets_backend",
        "integration_target",
        "rotation_policy",
        "credential_type",
        "name",
        "environment",
        "rotation_period",
        "database.engine",
        "kubernetes.namespace",
        "kubernetes.store_kind",
        "kubernetes.refresh_interval",
        "cicd.platform",
        "certificate.ttl",
        "api_key.issuer",
    ];

    #[test]
    fn every_free_text_argument_has_exactly_one_grammar() {
        let schema = crate::provider::schema::plan();
        let top = schema.block.attributes.iter().map(|a| (String::new(), a));
        let nested = schema
            .block
            .blocks
            .iter()
            .flat_map(|b| b.block.attributes.iter().map(move |a| (format!("{}.", b.type_name), a)));
        let strings: Vec<String> = top
            .chain(nested)
            .filter(|(_, a)| a.ty == Type::String && !a.computed)
            .map(|(prefix, a)| format!("{prefix}{}", a.name))
            .collect();
        let table: Vec<String> = TEXT_FIELDS.iter().map(|f| f.name()).collect();
        for name in &strings {
            let grammars = table.iter().filter(|t| *t == name).count();
            assert!(
                grammars == 1 || (grammars == 0 && TYPED.contains(&name.as_str())),
                "{name}: a free-text argument needs one row in request::TEXT_FIELDS"
            );
        }
        for name in &table {
            assert!(
                strings.contains(name),
                "TEXT_FIELDS names {name}, which is no string argument of the schema"
            );
        }
    }
}
