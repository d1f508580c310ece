//! A workload's SDK code: one module per language for all its secrets, with one accessor per
//! secret (named after its label, [`secret_names`]) and one login path. The backend's template
//! and the common code render once; their `@each secret` blocks once per secret.

use super::*;
use crate::render::template::Piece;

/// The identifiers one secret's code goes by in one language, all derived from its label (a DNS
/// label: `a-z`, digits, `-`, starting with a letter) so that two labels never meet in one name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretNames {
    /// The accessor the application calls, inside the module's one namespace of secrets:
    /// `Secrets.<accessor>` (Python, Go, Java), `secrets.<accessor>` (Node.js).
    pub accessor: String,
    /// Appended to the names of the secret's own functions (`fetch_secret`, `fetchSecret`).
    pub suffix: String,
    /// Appended to the names of the secret's own constants (`CACHE_TTL_SECONDS`, `CERT_DIR`).
    pub suffix_upper: String,
}

/// `stripe-key` -> `StripeKey` (`upper`) or `stripeKey`: a `-` before a letter capitalises it,
/// any other `-` becomes `_` (`a-1` -> `A_1`, `a--b` -> `A_B`), so the mapping stays one to one.
fn camel(label: &str, upper: bool) -> String {
    let mut out = String::with_capacity(label.len());
    let mut chars = label.chars().peekable();
    let mut capital = upper;
    while let Some(c) = chars.next() {
        if c == '-' {
            if chars.peek().is_some_and(char::is_ascii_lowercase) {
                capital = true;
            } else {
                out.push('_');
            }
            continue;
        }
        out.push(if capital { c.to_ascii_uppercase() } else { c });
        capital = false;
    }
    out
}

/// Words a Python or Java field cannot be named; such an accessor gets a trailing `_` (PEP 8's
/// convention), which no label yields by itself.
const PYTHON_KEYWORDS: &[&str] = &[
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else", "except", "finally", "for",
    "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with",
    "yield",
];
const JAVA_KEYWORDS: &[&str] = &[
    "abstract",
    "assert",
    "boolean",
    "break",
    "byte",
    "case",
    "catch",
    "char",
    "class",
    "const",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extends",
    "false",
    "final",
    "finally",
    "float",
    "for",
    "goto",
    "if",
    "implements",
    "import",
    "instanceof",
    "int",
    "interface",
    "long",
    "native",
    "new",
    "null",
    "package",
    "permits",
    "private",
    "protected",
    "public",
    "record",
    "return",
    "sealed",
    "short",
    "static",
    "strictfp",
    "super",
    "switch",
    "synchronized",
    "this",
    "throw",
    "throws",
    "transient",
    "true",
    "try",
    "var",
    "void",
    "volatile",
    "when",
    "while",
    "yield",
];

/// The names of a secret labelled `label` in `language`'s idiom: Python `Secrets.stripe_key`
/// and `fetch_secret_stripe_key`, Go `Secrets.StripeKey` and `fetchSecretStripeKey`, Node.js
/// `secrets.stripeKey`, Java `Secrets.stripeKey` (a static final holding a mutable cache is
/// lowerCamel in Java's style); constants everywhere `CACHE_TTL_SECONDS_STRIPE_KEY`.
pub fn secret_names(label: &str, language: Language) -> SecretNames {
    let snake = label.replace('-', "_");
    let escape = |name: String, keywords: &[&str]| {
        if keywords.contains(&name.as_str()) {
            format!("{name}_")
        } else {
            name
        }
    };
    let (accessor, suffix) = match language {
        Language::Python => (escape(snake.clone(), PYTHON_KEYWORDS), format!("_{snake}")),
        Language::Go => (camel(label, true), camel(label, true)),
        Language::Nodejs => (camel(label, false), camel(label, true)),
        Language::Java => (escape(camel(label, false), JAVA_KEYWORDS), camel(label, true)),
    };
    SecretNames {
        accessor,
        suffix,
        suffix_upper: format!("_{}", snake.to_ascii_uppercase()),
    }
}

/// How the application reaches a secret's accessor in a language, for decisions and docs.
fn accessor_path(label: &str, language: Language) -> String {
    let names = secret_names(label, language);
    match language {
        Language::Nodejs => format!("secrets.{}", names.accessor),
        Language::Python | Language::Go | Language::Java => format!("Secrets.{}", names.accessor),
    }
}

/// A language as prose names it.
fn language_name(l: Language) -> &'static str {
    match l {
        Language::Python => "Python",
        Language::Go => "Go",
        Language::Nodejs => "Node.js",
        Language::Java => "Java",
    }
}

/// `An API key` -> `an API key`.
fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_ascii_lowercase().to_string() + chars.as_str())
}

/// A list as prose: `a`, `a and b`, `a, b and c`.
fn prose_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// One secret of a workload with everything its code needs.
struct Part<'a> {
    label: &'a str,
    settings: &'a Settings,
    fill: Fill,
    no_backend_call: bool,
    identity: String,
}

/// One module per language for a workload's secrets, with one accessor per secret.
///
/// The backend's template and the common code are rendered once, with the flags of every secret
/// (`module=workload`); their `@each secret` blocks (each secret's constants, its fetch function,
/// its cache time to live and its accessor) once per secret, with that secret's flags and values
/// and its names ([`secret_names`]). The login code sits outside those blocks: every secret of a
/// workload authenticates as the one consumer identity, through one login path.
pub(crate) fn workload_code(parts: &[SecretCode<'_>], templates: Templates) -> (Vec<IntegrationCode>, Vec<String>) {
    let Some(first) = parts.first() else {
        return (Vec::new(), Vec::new());
    };
    let s = first.settings;
    let parts: Vec<Part<'_>> = parts
        .iter()
        .map(|p| {
            let (ttl, _) = cache_ttl(p.settings);
            let (sdk, _) = crate::planner::sdk_parts(p.settings, p.config, ttl);
            let no_backend_call = sdk.no_backend_call;
            let identity = sdk.identity.clone();
            let (fill, _) = fill(p.settings, p.config, sdk);
            Part {
                label: p.label,
                settings: p.settings,
                fill,
                no_backend_call,
                identity,
            }
        })
        .collect();
    // The identity the login code uses: the first secret that calls the backend (a Vault
    // certificate cert-manager keeps renewed is read from files) speaks for all.
    let lead = parts.iter().find(|p| !p.no_backend_call).unwrap_or(&parts[0]);
    let code = s
        .languages
        .iter()
        .map(|&l| render_workload(s, l, &parts, lead, templates).0)
        .collect();

    let mut decisions = Vec::new();
    let per_language = |describe: &dyn Fn(Language) -> String| s.languages.iter().map(|&l| describe(l)).collect::<Vec<_>>().join("; ");
    let accessors = per_language(&|l| {
        let paths: Vec<String> = parts.iter().map(|p| accessor_path(p.label, l)).collect();
        let example = &paths[0];
        let (get, invalidate) = match l {
            Language::Go => ("Get(ctx)", "Invalidate()"),
            Language::Python | Language::Nodejs | Language::Java => ("get()", "invalidate()"),
        };
        format!(
            "{} in {} {} ({example}.{get}, {example}.{invalidate})",
            prose_list(&paths),
            language_name(l),
            source_file(l)
        )
    });
    decisions.push(format!(
        "integration_code is one module per language for this workload's {} secrets, with one accessor per secret, each keeping its own cache, time to live and explicit re-read (invalidate drops the cached copy, so the next read fetches that secret again): {accessors}.",
        parts.len()
    ));
    let calling: Vec<&str> = parts.iter().filter(|p| !p.no_backend_call).map(|p| p.label).collect();
    if !calling.is_empty() {
        decisions.push(format!(
            "integration_code authenticates through one login path shared by every accessor that calls the backend ({}), as {}.",
            calling.join(", "),
            lead.identity
        ));
    }
    decisions.push(format!(
        "integration_code retries failed reads at most 5 times with exponential backoff and full jitter (0.5s base, 8s cap), per accessor, retries only throttling, server and network errors, and logs errors by type only, never a response or the secret; the dependency lines are under {}/code/<language>/ in files ({}).",
        s.role_name(),
        s.languages.iter().map(|l| dependency_file(*l)).collect::<Vec<_>>().join(", ")
    ));
    let databases: Vec<&str> = parts
        .iter()
        .filter(|p| p.settings.credential == CredentialType::Database)
        .map(|p| p.label)
        .collect();
    if !databases.is_empty() {
        let helpers = per_language(&|l| {
            let calls: Vec<String> = databases
                .iter()
                .map(|label| {
                    let a = accessor_path(label, l);
                    match l {
                        Language::Python => format!("connect({a}, open_connection)"),
                        Language::Go => format!("Connect(ctx, {a}, open, AuthRetryDelays)"),
                        Language::Nodejs => format!("connect({a}, openConnection)"),
                        Language::Java => format!("Secrets.connect({a}, opener)"),
                    }
                })
                .collect();
            format!("{} in {}", prose_list(&calls), language_name(l))
        });
        decisions.push(format!(
            "integration_code's connect helper takes a database secret's accessor ({helpers}), opens a connection with its cached credential and, when the database refuses the login (SQLSTATE 28P01 or 28000, or MySQL/MariaDB error 1045), invalidates that accessor's cache, reads the secret again and retries after {} ({}s in all) before surfacing the error.",
            AUTH_RETRY_DELAYS_SECS.iter().map(|d| format!("{d}s")).collect::<Vec<_>>().join(", "),
            auth_retry_secs()
        ));
    }
    if s.backend != Backend::Vault && s.languages.contains(&Language::Java) {
        decisions.push(
            "The Java integration code returns each secret's text as the field \"value\" (the other languages split a JSON object into fields), because none of the Java SDKs exports a JSON parser; parse it with the JSON library the application already uses."
                .into(),
        );
    }
    (code, decisions)
}

/// A workload's module in one language, and the placeholders that could not be filled (none,
/// as the tests require). A value the secrets do not agree on is not offered outside an
/// `@each secret` block, so a per-secret placeholder left outside one shows up here.
fn render_workload(
    s: &Settings,
    language: Language,
    parts: &[Part<'_>],
    lead: &Part<'_>,
    templates: Templates,
) -> (IntegrationCode, Vec<String>) {
    let sdk = versions::sdk(s.backend, language);
    let (sdk_template, common_template) = compiled(s.backend, language, templates);
    const MODULE: (&str, &str) = ("module", "workload");
    let mut shared_flags: Vec<(&str, &str)> = vec![MODULE];
    for p in parts {
        for flag in &p.fill.flags {
            if !shared_flags.contains(flag) {
                shared_flags.push(*flag);
            }
        }
    }
    // Whether some secret is a database credential, for code the module holds once either way.
    let any_database = parts.iter().any(|p| p.settings.credential == CredentialType::Database);
    shared_flags.push(("databases", if any_database { "some" } else { "none" }));
    let each_flags: Vec<Vec<(&str, &str)>> = parts
        .iter()
        .map(|p| std::iter::once(MODULE).chain(p.fill.flags.iter().copied()).collect())
        .collect();
    let description = format!(
        "The secrets {}",
        prose_list(
            &parts
                .iter()
                .map(|p| format!("{} ({})", p.label, lowercase_first(description(p.settings.credential))))
                .collect::<Vec<_>>()
        )
    );
    let lead_var = |key: &str| lead.fill.vars.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone());
    let mut shared_vars: Vec<(&str, Var)> = vec![
        ("NAME", Var::from(s.name.as_str())),
        ("DESCRIPTION", Var::Text(description)),
        ("SDK_VERSION", Var::from(sdk.version)),
    ];
    for key in ["IDENTITY", "IDENTITY_SHORT"] {
        if let Some(v) = lead_var(key) {
            shared_vars.push((key, v));
        }
    }
    for (key, value) in &lead.fill.vars {
        let agreed = parts.iter().all(|p| p.fill.vars.iter().any(|(k, v)| k == key && v == value));
        // A secret's own names never go outside its `@each secret` copies.
        let own = matches!(*key, "SUFFIX" | "SUFFIX_UPPER");
        if agreed && !own && !shared_vars.iter().any(|(k, _)| k == key) {
            shared_vars.push((key, value.clone()));
        }
    }
    let each_vars: Vec<Vec<(&str, Var)>> = parts
        .iter()
        .map(|p| {
            let names = secret_names(p.label, language);
            let mut vars: Vec<(&str, Var)> = vec![
                ("SUFFIX", Var::Text(names.suffix)),
                ("SUFFIX_UPPER", Var::Text(names.suffix_upper)),
                ("ACCESSOR", Var::Text(names.accessor)),
                ("LABEL", Var::from(p.label)),
                ("SDK_VERSION", Var::from(sdk.version)),
            ];
            vars.extend(p.fill.vars.iter().map(|(k, v)| (*k, v.clone())));
            vars
        })
        .collect();
    let mut problems = Vec::new();
    let mut render_pieces = |pieces: Vec<Piece>| -> String {
        let mut out = String::new();
        for piece in pieces {
            match piece {
                Piece::Shared(text) => {
                    let (filled, unfilled) = template::fill_in(&text, syntax(language), &shared_vars);
                    problems.extend(unfilled);
                    out.push_str(&filled);
                }
                Piece::Each(copies) => {
                    for (i, (copy, vars)) in copies.iter().zip(&each_vars).enumerate() {
                        let (filled, unfilled) = template::fill_in(copy, syntax(language), vars);
                        problems.extend(unfilled);
                        // A block's leading blank lines separate copies: the first goes without.
                        out.push_str(if i == 0 { filled.trim_start_matches('\n') } else { &filled });
                    }
                }
            }
        }
        out
    };
    let [auth, retrieval, errors] = sdk_template.sections_each(&shared_flags, &each_flags, true);
    let [common, _, _] = common_template.sections_each(&shared_flags, &each_flags, false);
    let authentication_snippet = template::finish_section(render_pieces(auth));
    let mut secret_retrieval_snippet = template::finish_section(render_pieces(retrieval));
    let errors = template::finish_section(render_pieces(errors));
    let common = render_pieces(common);
    let gap = match language {
        Language::Python => "\n\n\n",
        Language::Go | Language::Nodejs | Language::Java => "\n\n",
    };
    let mut error_handling = template::finish_section(format!("{}{gap}{common}", errors.trim_end_matches('\n')));
    if language == Language::Python {
        secret_retrieval_snippet.insert(0, '\n');
        error_handling.insert(0, '\n');
    }
    let code = IntegrationCode {
        language,
        sdk: sdk.package.to_string(),
        sdk_version: sdk.version.to_string(),
        authentication_snippet,
        secret_retrieval_snippet,
        error_handling,
        dependencies: versions::dependencies(s.backend, language),
        project: s.name.clone(),
    };
    (code, problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::request::Request;

    /// Every placeholder of every template fills in a workload module too, for mixes of secrets
    /// on every backend and target: a per-secret value outside an `@each secret` block is not
    /// offered, so it would show up here.
    #[test]
    fn workload_modules_fill_every_placeholder() {
        use crate::planner::request::DnsLabel;
        let mixes: [&[(CredentialType, Rotation)]; 3] = [
            &[
                (CredentialType::Database, Rotation::Dynamic),
                (CredentialType::ApiKey, Rotation::Manual),
                (CredentialType::Certificate, Rotation::Automatic),
            ],
            &[
                (CredentialType::Generic, Rotation::Automatic),
                (CredentialType::Certificate, Rotation::Dynamic),
            ],
            &[
                (CredentialType::Database, Rotation::Automatic),
                (CredentialType::Database, Rotation::Manual),
            ],
        ];
        for &b in Backend::ALL {
            for &t in Target::ALL {
                for mix in mixes {
                    let mut base = Request::new(b, t, Rotation::Manual);
                    base.languages = Some(Language::ALL.to_vec());
                    // Each secret's request as planner::workload builds it: the label set.
                    let resolved: Vec<(String, Settings, SecretsConfig)> = mix
                        .iter()
                        .enumerate()
                        .map(|(i, (credential, rotation))| {
                            let label = format!("s{i}-x");
                            let mut req = base.clone();
                            req.credential = Some(*credential);
                            req.rotation = *rotation;
                            req.secret_label = Some(DnsLabel::parse(&label, 40).unwrap_or_else(|e| panic!("{e}")));
                            let (settings, _) = crate::planner::resolve::resolve(&req);
                            (label, settings, crate::planner::plan(&req).secrets_config)
                        })
                        .collect();
                    let parts: Vec<Part<'_>> = resolved
                        .iter()
                        .map(|(label, settings, config)| {
                            let (ttl, _) = cache_ttl(settings);
                            let (sdk, _) = crate::planner::sdk_parts(settings, config, ttl);
                            let (no_backend_call, identity) = (sdk.no_backend_call, sdk.identity.clone());
                            Part {
                                label,
                                settings,
                                fill: fill(settings, config, sdk).0,
                                no_backend_call,
                                identity,
                            }
                        })
                        .collect();
                    for &l in Language::ALL {
                        let (code, problems) = render_workload(&resolved[0].1, l, &parts, &parts[0], crate::planner::sdk_templates(b));
                        assert!(problems.is_empty(), "{b} {t} {mix:?} {l}: unfilled {problems:?}");
                        let all = format!(
                            "{}{}{}",
                            code.authentication_snippet, code.secret_retrieval_snippet, code.error_handling
                        );
                        assert!(!all.contains("@each") && !all.contains("@if") && !all.contains("@end"), "{all}");
                    }
                }
            }
        }
    }
}
