//! The `secretsint` command: the planner without Terraform, plus installation helpers.
//! Flags for `plan` are generated from the data source schema, so they cover every argument
//! and block, and errors read exactly like the Terraform diagnostics.
//!
//! Exit codes: 0 success, 1 a finding (an error diagnostic), 2 a usage error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::{Arg, ArgAction, ArgMatches, Command};

use crate::provider::{self, DataSource, ProviderConfig};
use crate::tf::schema::{Block, Nesting, Schema};
use crate::tf::{Diagnostics, Number, Severity, Type, Value};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const REGISTRY_HOSTS: [&str; 2] = ["registry.terraform.io", "registry.opentofu.org"];
pub const NAMESPACE_AND_TYPE: &str = "secretsint/secretsint";

/// Short flag names for the three required arguments and the credential type.
const ALIASES: [(&str, &str); 4] = [
    ("secrets_backend", "backend"),
    ("integration_target", "target"),
    ("rotation_policy", "rotation"),
    ("credential_type", "credential"),
];

fn flag_for(block: Option<&str>, attr: &str) -> String {
    let base = ALIASES
        .iter()
        .find(|(a, _)| *a == attr && block.is_none())
        .map_or(attr, |(_, short)| short);
    match block {
        Some(b) => format!("{b}-{base}").replace('_', "-"),
        None => base.replace('_', "-"),
    }
}

fn plan_command() -> Command {
    data_source_command(
        Command::new("plan").about("Compute a plan, as the secretsint_plan data source would"),
        provider::schema::plan(),
    )
}

fn workload_command() -> Command {
    data_source_command(
        Command::new("workload").about("Compute a workload's plan, as the secretsint_workload data source would"),
        provider::schema::workload(),
    )
    .arg(
        Arg::new("secret")
            .long("secret")
            .required(true)
            .action(ArgAction::Append)
            .value_delimiter(',')
            .value_name("LABEL:CREDENTIAL:ROTATION[:PERIOD]")
            .value_parser(|v: &str| match v.split(':').count() {
                3 | 4 => Ok(v.to_string()),
                _ => Err(format!("{v:?} is not LABEL:CREDENTIAL:ROTATION[:PERIOD], e.g. db:database:dynamic:1h")),
            })
            .help("One secret block, repeated or comma-separated: its label, credential_type, rotation_policy and optional rotation_period, e.g. db:database:dynamic:1h,stripe:api-key:manual"),
    )
}

/// The flags of a data source's arguments: one per attribute and per attribute of a single
/// block (labelled blocks have their own flags).
fn data_source_command(cmd: Command, schema: &Schema) -> Command {
    let mut cmd = cmd
        .arg(
            Arg::new("format")
                .long("format")
                .value_parser(["summary", "json", "files"])
                .default_value("summary")
                .help("summary: decisions and file list; json: contract_json; files: write every artifact under --out"),
        )
        .arg(
            Arg::new("out")
                .long("out")
                .value_name("DIR")
                .required_if_eq("format", "files")
                .help("Directory for --format files; it must be empty or missing, unless --force"),
        )
        .arg(
            Arg::new("force")
                .long("force")
                .action(ArgAction::SetTrue)
                .help("With --format files: write into a used directory, first removing exactly the files an earlier run listed in its manifest (.secretsint-files); other files stay"),
        )
        .arg(
            Arg::new("strict")
                .long("strict")
                .action(ArgAction::SetTrue)
                .help("Treat every fallback as an error"),
        )
        .arg(
            Arg::new("default-language")
                .long("default-language")
                .action(ArgAction::Append)
                .value_delimiter(',')
                .help("Provider default_languages"),
        );
    for a in schema.block.attributes.iter().filter(|a| !a.computed || a.optional) {
        cmd = cmd.arg(arg_for(None, &a.name, &a.ty, a.required, &a.description));
    }
    for b in schema.block.blocks.iter().filter(|b| b.nesting == Nesting::Single) {
        for a in &b.block.attributes {
            cmd = cmd.arg(arg_for(Some(&b.type_name), &a.name, &a.ty, false, &a.description));
        }
    }
    cmd
}

fn arg_for(block: Option<&str>, name: &str, ty: &Type, required: bool, help: &str) -> Arg {
    let flag = flag_for(block, name);
    let mut help = help.replace('`', "");
    if block.is_none() && name == "timestamp" {
        help.push_str(" \"now\" fills in the current UTC time (the CLI reads the clock; the planner never does).");
    }
    let arg = Arg::new(flag.clone()).long(flag).required(required).help(help);
    match ty {
        // Repeated (`--languages go --languages java`) or comma-separated (`--languages go,java`).
        Type::List(_) => arg.action(ArgAction::Append).value_delimiter(',').value_name("VALUE[,VALUE...]"),
        // A flag that is not a number is a usage error (exit 2), as Terraform rejects the type before the provider sees it.
        Type::Number => arg.value_name("NUMBER").value_parser(|v: &str| match Number::parse(v) {
            Some(_) => Ok(v.to_string()),
            None => Err(format!("{v:?} is not a number")),
        }),
        Type::Bool => arg.value_name("true|false").value_parser(["true", "false"]),
        _ => arg.value_name("VALUE"),
    }
}

fn command() -> Command {
    Command::new("secretsint")
        .version(VERSION)
        .about("Plan secrets-management integrations (Vault/OpenBao, AWS, Azure, GCP) without Terraform")
        .subcommand_required(true)
        .arg_required_else_help(true)
        .subcommand(plan_command())
        .subcommand(workload_command())
        .subcommand(
            Command::new("schema").about("Print the provider schema as JSON, in the shape `terraform providers schema -json` prints"),
        )
        .subcommand(
            Command::new("install")
                .about("Put the provider into a filesystem mirror so `terraform init` finds it offline")
                .arg(
                    Arg::new("dir")
                        .long("dir")
                        .value_name("DIR")
                        .help("Mirror directory (default: ~/.terraform.d/plugins)"),
                )
                .arg(
                    Arg::new("binary")
                        .long("binary")
                        .value_name("FILE")
                        .help("Provider binary (default: next to this program)"),
                ),
        )
        .subcommand(
            Command::new("docs")
                .about("Regenerate the Registry pages and the decision table from the schema, the examples and the planner")
                .arg(
                    Arg::new("dir")
                        .long("dir")
                        .value_name("DIR")
                        .default_value("docs")
                        .help("Directory to write the generated pages into"),
                )
                .arg(
                    Arg::new("examples")
                        .long("examples")
                        .value_name("DIR")
                        .default_value("examples")
                        .help("Directory holding provider/provider.tf and data-sources/<data source>/data-source.tf"),
                ),
        )
        .subcommand(Command::new("version").about("Print the version"))
}

/// Runs the CLI with `args` (including the program name); returns the exit code.
pub fn run<I, T>(args: I, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let matches = match command().try_get_matches_from(args) {
        Ok(m) => m,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let text = e.render().to_string();
            let _ = if code == 0 { write!(out, "{text}") } else { write!(err, "{text}") };
            return code;
        }
    };
    let result = match matches.subcommand() {
        Some(("plan", m)) => plan(m, DataSource::Plan, out, err),
        Some(("workload", m)) => plan(m, DataSource::Workload, out, err),
        Some(("schema", _)) => writeln!(out, "{}", schema_json()).map(|_| 0).map_err(|e| e.to_string()),
        Some(("install", m)) => install(m, out),
        Some(("docs", m)) => docs(m, out),
        Some(("version", _)) => writeln!(out, "secretsint {VERSION} (plugin protocols 6 and 5)")
            .map(|_| 0)
            .map_err(|e| e.to_string()),
        _ => Ok(2),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            let _ = writeln!(err, "Error: {message}");
            1
        }
    }
}

/// The configuration value the flags describe, shaped like Terraform's.
fn config_from(m: &ArgMatches, schema: &Schema) -> Result<Value, String> {
    let mut attrs = BTreeMap::new();
    for a in &schema.block.attributes {
        let v = if a.computed && !a.optional {
            Value::Null
        } else {
            flag_value(m, &flag_for(None, &a.name), &a.ty)?
        };
        attrs.insert(a.name.clone(), v);
    }
    for b in schema.block.blocks.iter().filter(|b| b.nesting == Nesting::Single) {
        let mut inner = BTreeMap::new();
        let mut any = false;
        for a in &b.block.attributes {
            let v = flag_value(m, &flag_for(Some(&b.type_name), &a.name), &a.ty)?;
            any |= !v.is_null();
            inner.insert(a.name.clone(), v);
        }
        attrs.insert(b.type_name.clone(), if any { Value::Map(inner) } else { Value::Null });
    }
    Ok(Value::Map(attrs))
}

fn flag_value(m: &ArgMatches, id: &str, ty: &Type) -> Result<Value, String> {
    Ok(match ty {
        Type::List(_) => match m.get_many::<String>(id) {
            Some(vals) => Value::List(vals.map(|v| Value::string(v.as_str())).collect()),
            None => Value::Null,
        },
        Type::Bool => match m.get_one::<String>(id).map(String::as_str) {
            Some(v) => Value::Bool(v == "true"),
            None => Value::Null,
        },
        Type::Number => match m.get_one::<String>(id) {
            Some(v) => Value::Number(Number::parse(v).ok_or_else(|| format!("--{id}: {v:?} is not a number"))?),
            None => Value::Null,
        },
        _ => match m.get_one::<String>(id).map(String::as_str) {
            Some("now") if id == "timestamp" => Value::string(rfc3339_utc(now_unix_seconds())),
            Some(v) => Value::string(v),
            None => Value::Null,
        },
    })
}

fn now_unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Seconds since the Unix epoch as RFC 3339 UTC, e.g. `2026-11-28T14:07:57Z`
/// (days to civil date after Howard Hinnant's `civil_from_days`).
pub fn rfc3339_utc(unix_seconds: u64) -> String {
    let days = (unix_seconds / 86_400) as i64;
    let rem = unix_seconds % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// `secretsint docs`: reads the two example files, writes every generated page.
fn docs(m: &ArgMatches, out: &mut dyn std::io::Write) -> Result<i32, String> {
    let dir = PathBuf::from(m.get_one::<String>("dir").map_or("docs", String::as_str));
    let examples = PathBuf::from(m.get_one::<String>("examples").map_or("examples", String::as_str));
    let mut texts = std::collections::BTreeMap::new();
    for rel in crate::docs::example_files() {
        let path = examples.join(&rel);
        let text = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        texts.insert(rel, text);
    }
    let pages = crate::docs::pages(&|rel: &str| texts.get(rel).cloned().unwrap_or_default());
    for page in pages {
        let path = dir.join(&page.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, page.content).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        writeln!(out, "{}", path.display()).map_err(|e| e.to_string())?;
    }
    Ok(0)
}

/// `--secret LABEL:CREDENTIAL:ROTATION[:PERIOD]` flags as the `secret` blocks' map.
fn secret_blocks(m: &ArgMatches) -> Result<Value, String> {
    let mut blocks = BTreeMap::new();
    for spec in m.get_many::<String>("secret").into_iter().flatten() {
        let mut parts = spec.split(':');
        let mut next = || parts.next().map(Value::string).unwrap_or(Value::Null);
        let (label, credential, rotation, period) = (next(), next(), next(), next());
        let label = label.as_str().unwrap_or_default().to_string();
        let block = Value::object([
            ("credential_type", credential),
            ("rotation_policy", rotation),
            ("rotation_period", period),
            ("database", Value::Null),
            ("certificate", Value::Null),
        ]);
        if blocks.insert(label.clone(), block).is_some() {
            return Err(format!(
                "--secret names {label:?} twice: each secret of a workload needs its own label"
            ));
        }
    }
    Ok(Value::Map(blocks))
}

fn plan(m: &ArgMatches, data_source: DataSource, out: &mut dyn std::io::Write, err: &mut dyn std::io::Write) -> Result<i32, String> {
    let mut config = config_from(m, data_source.schema()).map_err(|e| e.to_string())?;
    if let (DataSource::Workload, Value::Map(attrs)) = (data_source, &mut config) {
        attrs.insert("secret".into(), secret_blocks(m)?);
    }
    // The CLI keeps nothing in state: it always fills contract_json and every file.
    if let Value::Map(attrs) = &mut config {
        if attrs.get("include").is_none_or(Value::is_null) {
            use crate::planner::Choice;
            let all = crate::planner::Include::ALL.iter().map(|i| Value::string(i.as_str())).collect();
            attrs.insert("include".into(), Value::List(all));
        }
    }
    let default_languages = match m.get_many::<String>("default-language") {
        Some(vals) => Value::List(vals.map(|v| Value::string(v.as_str())).collect()),
        None => Value::Null,
    };
    let provider_value = Value::object([
        ("default_languages", default_languages),
        ("strict", Value::Bool(m.get_flag("strict"))),
    ]);
    let (provider_config, mut diags): (ProviderConfig, Diagnostics) = provider::config::provider_config(&provider_value);
    let (state, read_diags) = if diags.has_errors() {
        (Value::Null, Diagnostics::new())
    } else {
        data_source.read(&config, &provider_config)
    };
    diags.extend(read_diags);
    print_diagnostics(&diags, err);
    if diags.has_errors() {
        return Ok(1);
    }
    let text = |name: &str| state.get(name).as_str().unwrap_or_default().to_string();
    match m.get_one::<String>("format").map(String::as_str) {
        Some("json") => write!(out, "{}", text("contract_json")).map_err(|e| e.to_string())?,
        Some("files") => {
            let dir = Path::new(m.get_one::<String>("out").ok_or("--format files needs --out DIR")?);
            let Value::Map(mut files) = state.get("files").clone() else {
                return Err("the plan has no files".into());
            };
            // The platform's shared files sit beside the workload's, under platform/.
            if let Value::Map(platform) = state.get("platform_files") {
                files.extend(platform.clone());
            }
            prepare_out_dir(dir, m.get_flag("force"))?;
            for (rel, content) in &files {
                let path = write_inside(dir, rel, content.as_str().unwrap_or_default())?;
                writeln!(out, "{}", path.display()).map_err(|e| e.to_string())?;
            }
            let manifest: String = files.keys().map(|rel| format!("{rel}\n")).collect();
            write_inside(dir, MANIFEST, &manifest)?;
        }
        _ => {
            writeln!(out, "id: {}", text("id")).map_err(|e| e.to_string())?;
            if let Value::List(decisions) = state.get("decisions") {
                writeln!(out, "decisions:").map_err(|e| e.to_string())?;
                for d in decisions {
                    writeln!(out, "  - {}", d.as_str().unwrap_or_default()).map_err(|e| e.to_string())?;
                }
            }
            for (attribute, heading) in [("files", "files"), ("platform_files", "platform files (apply once per platform)")] {
                if let Value::Map(files) = state.get(attribute) {
                    if !files.is_empty() {
                        writeln!(out, "{heading}:").map_err(|e| e.to_string())?;
                        for name in files.keys() {
                            writeln!(out, "  - {name}").map_err(|e| e.to_string())?;
                        }
                    }
                }
            }
        }
    }
    Ok(0)
}

/// The list of what `--format files` wrote, one relative path a line, kept in the output directory
/// so `--force` can remove exactly that and nothing a user put beside it.
const MANIFEST: &str = ".secretsint-files";

/// An output directory must be missing or empty, so two plans never mix silently. With `force`,
/// the files an earlier run listed in its manifest are removed first (never through a symbolic
/// link, and never anything outside the directory); everything else stays.
fn prepare_out_dir(dir: &Path, force: bool) -> Result<(), String> {
    let mut entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("cannot read {}: {e}", dir.display())),
    };
    if entries.next().is_none() {
        return Ok(());
    }
    if !force {
        return Err(format!(
            "{} is not empty: writing there would mix this plan with what is already there. Use an empty directory, or --force to replace the files an earlier `secretsint plan --format files` wrote (listed in its {MANIFEST})",
            dir.display()
        ));
    }
    let manifest = match std::fs::read_to_string(dir.join(MANIFEST)) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("cannot read {}: {e}", dir.join(MANIFEST).display())),
    };
    for rel in manifest.lines().filter(|l| !l.is_empty()).chain([MANIFEST]) {
        remove_inside(dir, rel)?;
    }
    Ok(())
}

/// Removes `dir/rel` if it is a regular file reached without a symbolic link, then the
/// directories on its way that it leaves empty.
fn remove_inside(dir: &Path, rel: &str) -> Result<(), String> {
    use std::path::Component;
    let rel_path = Path::new(rel);
    if !rel_path.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(format!(
            "{MANIFEST} lists {rel:?}, which is not a plain relative path: not removing anything"
        ));
    }
    let mut path = dir.to_path_buf();
    for part in rel_path.components() {
        path.push(part);
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => return Err(format!("refusing to remove through the symbolic link {}", path.display())),
            Ok(_) => {}
            Err(_) => return Ok(()),
        }
    }
    if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file()) {
        return Ok(());
    }
    std::fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
    let mut parent = path.parent();
    while let Some(p) = parent.filter(|p| *p != dir && p.starts_with(dir)) {
        if std::fs::remove_dir(p).is_err() {
            break;
        }
        parent = p.parent();
    }
    Ok(())
}

/// Writes `content` to `dir/rel` without following a symbolic link below `dir`: every directory
/// on the way is created or must be a real directory, and the file is created anew (O_EXCL), so
/// a link planted in an output directory cannot redirect a write outside it.
fn write_inside(dir: &Path, rel: &str, content: &str) -> Result<PathBuf, String> {
    use std::path::Component;
    let rel_path = Path::new(rel);
    if !rel_path.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(format!("refusing to write {rel:?}: not a plain relative path"));
    }
    // The directory the user named may itself be a link; only what lies below it may not.
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut path = dir.to_path_buf();
    let parts: Vec<_> = rel_path.components().collect();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        let last = i + 1 == parts.len();
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => return Err(format!("refusing to write through the symbolic link {}", path.display())),
            Ok(m) if !last && !m.is_dir() => return Err(format!("{} is not a directory", path.display())),
            Ok(m) if last && m.is_dir() => return Err(format!("{} is a directory", path.display())),
            Ok(_) if last => std::fs::remove_file(&path).map_err(|e| format!("cannot replace {}: {e}", path.display()))?,
            Ok(_) => {}
            Err(_) if !last => std::fs::create_dir(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?,
            Err(_) => {}
        }
    }
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    std::io::Write::write_all(&mut file, content.as_bytes()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// Diagnostics in Terraform's words: severity, summary, the attribute, then the detail.
fn print_diagnostics(diags: &Diagnostics, err: &mut dyn std::io::Write) {
    for d in diags.iter() {
        let level = match d.severity {
            Severity::Error => "Error",
            Severity::Warning => "Warning",
        };
        let _ = writeln!(err, "{level}: {}", d.summary);
        if let Some(path) = &d.path {
            let _ = writeln!(err, "  on {path}");
        }
        let _ = writeln!(err, "  {}\n", d.detail);
    }
}

fn block_json(b: &Block) -> serde_json::Value {
    let mut attributes = serde_json::Map::new();
    for a in &b.attributes {
        let mut o = serde_json::Map::new();
        o.insert("type".into(), a.ty.to_json());
        o.insert("description".into(), a.description.clone().into());
        o.insert("description_kind".into(), "markdown".into());
        for (flag, on) in [
            ("required", a.required),
            ("optional", a.optional),
            ("computed", a.computed),
            ("sensitive", a.sensitive),
        ] {
            if on {
                o.insert(flag.into(), true.into());
            }
        }
        attributes.insert(a.name.clone(), o.into());
    }
    let mut block_types = serde_json::Map::new();
    for nb in &b.blocks {
        let nesting = match nb.nesting {
            Nesting::Single => "single",
            Nesting::List => "list",
            Nesting::Map => "map",
        };
        block_types.insert(
            nb.type_name.clone(),
            serde_json::json!({"nesting_mode": nesting, "block": block_json(&nb.block)}),
        );
    }
    let mut o = serde_json::Map::new();
    if !attributes.is_empty() {
        o.insert("attributes".into(), attributes.into());
    }
    if !block_types.is_empty() {
        o.insert("block_types".into(), block_types.into());
    }
    o.insert("description".into(), b.description.clone().into());
    o.insert("description_kind".into(), "markdown".into());
    o.into()
}

fn schema_entry(s: &Schema) -> serde_json::Value {
    serde_json::json!({"version": s.version, "block": block_json(&s.block)})
}

/// The provider schema in the shape of `terraform providers schema -json`.
pub fn schema_json() -> String {
    let doc = serde_json::json!({
        "format_version": "1.0",
        "provider_schemas": {
            format!("{}/{NAMESPACE_AND_TYPE}", REGISTRY_HOSTS[0]): {
                "provider": schema_entry(provider::schema::provider()),
                "data_source_schemas": DataSource::ALL
                    .iter()
                    .map(|d| (d.type_name().to_string(), schema_entry(d.schema())))
                    .collect::<serde_json::Map<_, _>>(),
            }
        }
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// `<dir>/<host>/secretsint/secretsint/<version>/<os>_<arch>/terraform-provider-secretsint_v<version>`
pub fn mirror_path(dir: &Path, host: &str) -> PathBuf {
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    dir.join(host)
        .join(NAMESPACE_AND_TYPE)
        .join(VERSION)
        .join(format!("{}_{arch}", std::env::consts::OS))
        .join(format!("terraform-provider-secretsint_v{VERSION}"))
}

fn install(m: &ArgMatches, out: &mut dyn std::io::Write) -> Result<i32, String> {
    let dir = match m.get_one::<String>("dir") {
        Some(d) => PathBuf::from(d),
        None => {
            let home = std::env::var_os("HOME").ok_or("HOME is not set; pass --dir")?;
            PathBuf::from(home).join(".terraform.d").join("plugins")
        }
    };
    let binary = match m.get_one::<String>("binary") {
        Some(b) => PathBuf::from(b),
        None => {
            let me = std::env::current_exe().map_err(|e| e.to_string())?;
            me.with_file_name("terraform-provider-secretsint")
        }
    };
    if !binary.is_file() {
        return Err(format!(
            "provider binary {} not found; build it with `cargo build --release` or pass --binary",
            binary.display()
        ));
    }
    for host in REGISTRY_HOSTS {
        let target = mirror_path(&dir, host);
        let parent = target.parent().ok_or("bad mirror path")?;
        std::fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        // Copy to a temporary name then rename, so a running Terraform never sees half a binary.
        let tmp = target.with_extension("tmp");
        std::fs::copy(&binary, &tmp).map_err(|e| format!("cannot copy to {}: {e}", tmp.display()))?;
        std::fs::rename(&tmp, &target).map_err(|e| format!("cannot install {}: {e}", target.display()))?;
        writeln!(out, "installed {}", target.display()).map_err(|e| e.to_string())?;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::rfc3339_utc;

    #[test]
    fn rfc3339_from_unix_seconds() {
        for (secs, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_795_874_877, "2026-11-28T14:07:57Z"),
            (4_107_542_399, "2100-02-28T23:59:59Z"),
        ] {
            assert_eq!(rfc3339_utc(secs), text, "{secs}");
        }
    }
}
