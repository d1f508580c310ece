//! The grammar of every free-form argument. Each check accepts exactly the values the real
//! system names that way (a URL, a DNS name, a KMS key ARN...) and nothing else, so that no
//! argument can carry a quote, `$`, `{`, `}`, `\`, a backtick, whitespace or a control character
//! unless its grammar needs it. This is the first wall against injection; the escapers in
//! `render::escape` are the second. Every refusal says which characters are allowed.

/// The longest URL we accept (the common bound of HTTP clients and proxies).
pub const MAX_URL: usize = 2048;

/// Characters RFC 3986 calls unreserved; the only ones a URL path may hold here.
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~".contains(&b)
}

/// One DNS label: 1 to 63 letters, digits and inner '-'.
fn host_label(label: &str) -> bool {
    (1..=63).contains(&label.len())
        && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// A host name (RFC 1123, letters of either case): labels of letters, digits and inner '-',
/// at most 253 characters, whose last label is not all digits (that would be an IP address).
pub fn is_host_name(text: &str) -> bool {
    text.len() <= 253
        && text.split('.').all(host_label)
        && text.rsplit('.').next().is_some_and(|top| !top.bytes().all(|b| b.is_ascii_digit()))
}

/// A dotted-quad IPv4 address without leading zeros.
pub fn is_ipv4(text: &str) -> bool {
    let parts: Vec<&str> = text.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| {
            (1..=3).contains(&p.len())
                && p.bytes().all(|b| b.is_ascii_digit())
                && !(p.len() > 1 && p.starts_with('0'))
                && p.parse::<u16>().is_ok_and(|n| n <= 255)
        })
}

/// An IPv6 address as written inside URL brackets: hex groups and colons, at most one `::`,
/// optionally ending in an IPv4 address. Zone IDs are refused (`%` is not allowed anywhere).
pub fn is_ipv6(text: &str) -> bool {
    if text.len() < 2 || text.len() > 45 || text.matches("::").count() > 1 {
        return false;
    }
    // A lone ':' at either end is not an address (only "::" may stand there).
    if (text.starts_with(':') && !text.starts_with("::")) || (text.ends_with(':') && !text.ends_with("::")) {
        return false;
    }
    let (head, v4) = match text.rsplit_once(':') {
        Some((h, tail)) if tail.contains('.') => {
            if !is_ipv4(tail) {
                return false;
            }
            (h, true)
        }
        _ => (text, false),
    };
    let groups: Vec<&str> = head.split(':').collect();
    let ok_groups = groups.iter().all(|g| g.len() <= 4 && g.bytes().all(|b| b.is_ascii_hexdigit()));
    let filled = groups.iter().filter(|g| !g.is_empty()).count() + if v4 { 2 } else { 0 };
    let compressed = text.contains("::");
    ok_groups
        && if compressed {
            filled < 8
        } else {
            filled == 8 && groups.iter().all(|g| !g.is_empty())
        }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host == "[::1]" || (is_ipv4(host) && host.starts_with("127."))
}

/// `https://host[:port][/path]`. The host is a DNS name, an IPv4 address or a bracketed IPv6
/// address; the port 1 to 65535; the path only unreserved characters and inner '/'. No
/// credentials, query or fragment. `http://` only for a loopback dev server. A trailing '/'
/// is dropped. Returns the URL and whether it is plain http.
pub fn https_url(text: &str) -> Result<(String, bool), String> {
    const FORM: &str = "write it as https://host[:port][/path], for example \"https://vault.example.com:8200\": the host is a DNS name, an IPv4 address or a bracketed IPv6 address, and the path uses only letters, digits, '-', '.', '_', '~' and '/'";
    if text.len() > MAX_URL {
        return Err(format!("{text:?} is longer than {MAX_URL} characters; {FORM}"));
    }
    let (rest, plain) = match (text.strip_prefix("https://"), text.strip_prefix("http://")) {
        (Some(r), _) => (r, false),
        (_, Some(r)) => (r, true),
        _ => return Err(format!("{text:?} is not an https URL; {FORM}")),
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (authority, path) = rest.find('/').map_or((rest, ""), |i| (&rest[..i], &rest[i..]));
    if authority.contains('@') {
        return Err(format!(
            "{text:?} carries credentials (user@ or user:password@ before the host): they would be copied into every artifact, and Vault clients authenticate with tokens, not URL userinfo; remove them"
        ));
    }
    if rest.contains('?') || rest.contains('#') {
        return Err(format!(
            "{text:?} has a query or fragment, which a Vault address never needs; {FORM}"
        ));
    }
    let (host, port) = if authority.starts_with('[') {
        match authority.find(']') {
            Some(end) => (&authority[..=end], authority[end + 1..].strip_prefix(':')),
            None => ("", None),
        }
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let trailing = if authority.starts_with('[') {
        authority.find(']').map_or("", |end| &authority[end + 1..])
    } else {
        ""
    };
    let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => is_ipv6(v6) && (trailing.is_empty() || trailing.starts_with(':')),
        None => is_ipv4(host) || is_host_name(host),
    };
    if !host_ok {
        return Err(format!("{text:?} does not name a valid host; {FORM}"));
    }
    if let Some(p) = port {
        let ok =
            (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u32>().is_ok_and(|n| (1..=65535).contains(&n));
        if !ok {
            return Err(format!("{text:?} has an invalid port: use a number from 1 to 65535"));
        }
    }
    if !path.is_empty() {
        let segments: Vec<&str> = path[1..].split('/').collect();
        let ok = segments
            .iter()
            .all(|seg| !seg.is_empty() && *seg != "." && *seg != ".." && seg.bytes().all(unreserved));
        if !ok {
            return Err(format!(
                "{text:?} has a path with characters a URL path may not carry here; {FORM}, without empty, '.' or '..' segments"
            ));
        }
    }
    if plain && !is_loopback(host) {
        return Err(format!(
            "{text:?} uses plain http://, which sends Vault tokens and secrets in clear text: use https:// (http:// is accepted only for a loopback dev server, such as \"http://127.0.0.1:8200\")"
        ));
    }
    Ok((text.strip_suffix('/').unwrap_or(text).to_string(), plain))
}

pub fn dns_subdomain(text: &str) -> Result<String, String> {
    let ok = !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|l| {
            !l.is_empty()
                && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        });
    if ok {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{text:?} is not a DNS subdomain name: use lowercase letters, digits, '-' and '.', at most 253 characters"
        ))
    }
}

/// A certificate's DNS name: lowercase labels of at most 63 characters, the last one not all
/// digits (an IP address is not a DNS name), optionally behind one `*.` wildcard that covers
/// at least two labels (no CA issues `*.com`).
pub fn certificate_name(text: &str) -> Result<String, String> {
    let (wild, rest) = match text.strip_prefix("*.") {
        Some(r) => (true, r),
        None => (false, text),
    };
    let lower = rest.bytes().all(|b| !b.is_ascii_uppercase());
    if !(lower && is_host_name(rest) && dns_subdomain(rest).is_ok()) {
        return Err(format!(
            "{text:?} is not a DNS name for a certificate: use lowercase labels of letters, digits and inner '-' (at most 63 each, 253 in all) whose last label is not all digits (IP addresses are not DNS names), optionally after one leading \"*.\""
        ));
    }
    if wild && !rest.contains('.') {
        return Err(format!(
            "{text:?} is a wildcard over a top-level domain, which no CA issues: a wildcard needs at least two labels after \"*.\", such as \"*.orders.example.com\""
        ));
    }
    Ok(text.to_string())
}

/// One subject alternative name: a DNS name as [`certificate_name`] takes it, or an IPv4 or IPv6
/// address, which is written back in its canonical form (`2001:DB8::1` becomes `2001:db8::1`).
pub fn subject_alt_name(text: &str) -> Result<String, String> {
    if let Ok(ip) = text.parse::<std::net::IpAddr>() {
        return Ok(ip.to_string());
    }
    certificate_name(text).map_err(|problem| format!("{problem}; or write an IP address, such as \"10.0.0.1\" or \"2001:db8::1\""))
}

/// Whether a subject alternative name is an IP address (else it is a DNS name).
pub fn is_ip_san(name: &str) -> bool {
    name.parse::<std::net::IpAddr>().is_ok()
}

/// A database host: a host name or an IPv4 address (what every driver we plan accepts).
pub fn db_host(text: &str) -> Result<String, String> {
    if is_ipv4(text) || is_host_name(text) {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{text:?} is not a host name: use labels of letters, digits and inner '-' separated by '.', at most 253 characters, or an IPv4 address"
        ))
    }
}

pub fn mount_path(text: &str) -> Result<String, String> {
    let ok = !text.is_empty()
        && !text.starts_with('/')
        && !text.ends_with('/')
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./".contains(&b))
        && !text.contains("//")
        && !has_dot_segment(text);
    if ok {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{text:?} is not a mount path: use letters, digits, '-', '_', '.' and inner '/', without leading or trailing '/' or '.'/'..' segments"
        ))
    }
}

/// A `.` or `..` segment would make the path climb out of where it is written (path traversal).
pub fn has_dot_segment(text: &str) -> bool {
    text.split('/').any(|seg| seg == "." || seg == "..")
}

pub fn digits(text: &str, len: usize, what: &str) -> Result<String, String> {
    if text.len() == len && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_string())
    } else {
        Err(format!("{text:?} is not {what}: it must be exactly {len} digits"))
    }
}

fn is_guid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub fn guid(text: &str, what: &str) -> Result<String, String> {
    if is_guid(text) {
        Ok(text.to_ascii_lowercase())
    } else {
        Err(format!(
            "{text:?} is not {what}: write a GUID like \"00000000-0000-0000-0000-000000000000\""
        ))
    }
}

/// Letters, digits and the given extra punctuation, between `min` and `max` characters.
pub fn token(text: &str, min: usize, max: usize, extra: &str, what: &str) -> Result<String, String> {
    let ok = (min..=max).contains(&text.len()) && text.chars().all(|c| c.is_ascii_alphanumeric() || extra.contains(c));
    if ok {
        Ok(text.to_string())
    } else {
        let extra_desc = if extra.is_empty() {
            String::new()
        } else {
            format!(" and any of {extra:?}")
        };
        Err(format!("{text:?} is not {what}: use {min} to {max} letters, digits{extra_desc}"))
    }
}

/// A GCP location: lowercase letters, digits and inner '-', starting with a letter
/// (`us-central1`, `europe-west4`, `global`).
pub fn gcp_location(text: &str) -> Result<String, String> {
    let ok = (1..=63).contains(&text.len())
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && text.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && !text.ends_with('-');
    if ok {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{text:?} is not a GCP location: use 1 to 63 lowercase letters, digits and inner '-', starting with a letter, such as \"us-central1\""
        ))
    }
}

/// An Azure resource group name: 1 to 90 letters, digits, '-', '_', '.', '(' and ')', not
/// ending with '.' (Azure's own rule, which also refuses "." and "..").
pub fn resource_group(text: &str) -> Result<String, String> {
    let ok =
        (1..=90).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.()".contains(&b)) && !text.ends_with('.');
    if ok {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{text:?} is not a resource group name: use 1 to 90 letters, digits, '-', '_', '.', '(' and ')', not ending with '.'"
        ))
    }
}

/// A KMS key as AWS names it: a key ID (a UUID, or `mrk-` and 32 hex digits for a
/// multi-Region key), an alias (`alias/` then letters, digits, '/', '_' and '-'), or the ARN
/// of either (`arn:<partition>:kms:<region>:<account>:key/<id>` or `…:alias/<name>`).
pub fn kms_key_id(text: &str) -> Result<String, String> {
    fn key_id(t: &str) -> bool {
        is_guid(t)
            || t.strip_prefix("mrk-")
                .is_some_and(|h| h.len() == 32 && h.bytes().all(|b| b.is_ascii_hexdigit()))
    }
    fn alias(t: &str) -> bool {
        t.strip_prefix("alias/").is_some_and(|n| {
            (1..=250).contains(&n.len())
                && n.bytes().all(|b| b.is_ascii_alphanumeric() || b"/_-".contains(&b))
                && !n.starts_with('/')
                && !n.ends_with('/')
                && !n.contains("//")
        })
    }
    fn arn(t: &str) -> bool {
        let parts: Vec<&str> = t.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = parts[..] else {
            return false;
        };
        arn == "arn"
            && !partition.is_empty()
            && partition.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
            && partition.starts_with("aws")
            && service == "kms"
            && !region.is_empty()
            && region.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && (resource.strip_prefix("key/").is_some_and(key_id) || alias(resource))
    }
    if key_id(text) || alias(text) || arn(text) {
        Ok(text.to_string())
    } else {
        Err(format!(
            "{text:?} is not a KMS key: use a key ID (\"1234abcd-12ab-34cd-56ef-1234567890ab\" or \"mrk-\" and 32 hex digits), an alias (\"alias/\" then letters, digits, '/', '_' and '-') or the ARN of either (\"arn:aws:kms:us-east-1:123456789012:key/…\")"
        ))
    }
}

/// An RFC 3339 date-time with every field in range (month 1-12, the month's days, hour 0-23,
/// minute 0-59, second 0-60 for a leap second, offset up to ±23:59).
pub fn rfc3339(t: &str) -> Result<String, String> {
    let refuse = || {
        Err(format!(
            "{t:?} is not an RFC 3339 time; use plantimestamp() or a value like \"2026-01-31T12:00:00Z\""
        ))
    };
    let b = t.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = b.get(r)?;
        if s.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(s).ok()?.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return refuse();
    }
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) =
        (num(0..4), num(5..7), num(8..10), num(11..13), num(14..16), num(17..19))
    else {
        return refuse();
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return refuse(),
    };
    if !(1..=days).contains(&day) || hour > 23 || minute > 59 || second > 60 || !rfc3339_tail(&b[19..]) {
        return refuse();
    }
    Ok(t.to_string())
}

/// Optional fraction (`.123`, at most nanoseconds), then `Z` or a `+hh:mm`/`-hh:mm` offset.
fn rfc3339_tail(mut rest: &[u8]) -> bool {
    if let Some(after_dot) = rest.strip_prefix(b".") {
        let n = after_dot.iter().take_while(|c| c.is_ascii_digit()).count();
        if !(1..=9).contains(&n) {
            return false;
        }
        rest = &after_dot[n..];
    }
    let two = |a: u8, b: u8| -> Option<u8> { (a.is_ascii_digit() && b.is_ascii_digit()).then(|| (a - b'0') * 10 + (b - b'0')) };
    match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => two(*h1, *h2).is_some_and(|h| h <= 23) && two(*m1, *m2).is_some_and(|m| m <= 59),
        _ => false,
    }
}

pub fn aws_region(t: &str) -> Result<String, String> {
    let parts: Vec<&str> = t.split('-').collect();
    let ok = parts.len() >= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        && parts.last().is_some_and(|p| p.bytes().all(|c| c.is_ascii_digit()));
    if ok {
        Ok(t.to_string())
    } else {
        Err(format!(
            "{t:?} is not an AWS region; use a region code like \"us-east-1\" or \"eu-central-1\""
        ))
    }
}

pub fn key_vault_name(t: &str) -> Result<String, String> {
    let ok = (3..=24).contains(&t.len())
        && t.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
        && t.bytes().next().is_some_and(|c| c.is_ascii_alphabetic())
        && !t.ends_with('-')
        && !t.contains("--");
    if ok {
        Ok(t.to_string())
    } else {
        Err(format!(
            "{t:?} is not a Key Vault name: use 3 to 24 letters, digits and single hyphens, starting with a letter"
        ))
    }
}

pub fn gcp_project_id(t: &str) -> Result<String, String> {
    let ok = (6..=30).contains(&t.len())
        && t.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && t.bytes().next().is_some_and(|c| c.is_ascii_lowercase())
        && !t.ends_with('-');
    if ok {
        Ok(t.to_string())
    } else {
        Err(format!(
            "{t:?} is not a GCP project ID: use 6 to 30 lowercase letters, digits or hyphens, starting with a letter"
        ))
    }
}

/// A platform's numeric ID of a repository, project, owner or namespace: 1 to 20 digits, no
/// leading zero. Compared as a string, as the platforms put it in their tokens.
pub fn numeric_id(t: &str) -> Result<String, String> {
    if (1..=20).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) && !t.starts_with('0') {
        Ok(t.to_string())
    } else {
        Err(format!(
            "{t:?} is not a numeric ID: write the number the platform shows, like \"123456\" (digits only, no leading zero)"
        ))
    }
}

pub fn repository(t: &str) -> Result<String, String> {
    let parts: Vec<&str> = t.split('/').collect();
    let ok = parts.len() >= 2
        && parts
            .iter()
            .all(|p| !p.is_empty() && *p != "." && *p != ".." && p.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)));
    if ok {
        Ok(t.to_string())
    } else {
        Err(format!(
            "{t:?} is not a repository: write it as \"owner/name\" (GitLab groups may nest: \"group/subgroup/name\")"
        ))
    }
}

/// Where an API key is minted at its issuer: an AWS Lambda function's ARN
/// (`arn:aws:lambda:<region>:<account>:function:<name>`, no version or alias), which the AWS
/// rotation function invokes with its own role, or an https endpoint (no credentials, query or
/// fragment) that the Azure and GCP rotation functions call with their own identity's token.
/// Which of the two a backend takes is checked when the plan is resolved.
pub fn issuer_hook(t: &str) -> Result<String, String> {
    let with_shapes = |e: String| format!("{e}; aws-secrets takes {LAMBDA_HOOK}, azure-keyvault, gcp-secretmanager and vault {URL_HOOK}");
    if t.starts_with("arn:") {
        return lambda_arn(t).map_err(with_shapes);
    }
    hook_url(t).map_err(with_shapes)
}

/// What an issuer hook is on aws-secrets, and on every other backend (one wording for the
/// grammar's check here and the per-backend check in `resolve`).
pub const LAMBDA_HOOK: &str = "the ARN of a Lambda function (arn:aws:lambda:<region>:<account>:function:<name>)";
pub const URL_HOOK: &str = "an https endpoint (https://host[:port][/path], no credentials, query or fragment)";

/// `arn:aws:lambda:<region>:<account>:function:<name>`.
pub fn lambda_arn(t: &str) -> Result<String, String> {
    let parts: Vec<&str> = t.split(':').collect();
    let ok = parts.len() == 7
        && parts[..3] == ["arn", "aws", "lambda"]
        && aws_region(parts[3]).is_ok()
        && aws_account_id(parts[4]).is_ok()
        && parts[5] == "function"
        && (1..=64).contains(&parts[6].len())
        && parts[6].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(t.to_string())
    } else {
        Err(format!(
            "{t:?} is not a Lambda function ARN: write it as arn:aws:lambda:<region>:<12-digit account>:function:<name> (1 to 64 letters, digits, '-' or '_'; no version or alias)"
        ))
    }
}

/// An issuer hook endpoint: `https://host[:port][/path]`, kept as written (it is the GCP ID
/// token's audience), with no credentials, query or fragment: the rotation function sends its
/// bearer token there, and anything in the URL would be copied into every artifact.
pub fn hook_url(t: &str) -> Result<String, String> {
    const FORM: &str = "write it as https://host[:port][/path], for example \"https://keys.example.com/mint\"";
    let Some(rest) = t.strip_prefix("https://") else {
        return Err(format!("{t:?} is not an https URL; {FORM}"));
    };
    let authority = rest.split('/').next().unwrap_or("");
    if authority.contains('@') {
        return Err(format!(
            "{t:?} carries credentials (user@ or user:password@ before the host): the rotation function authenticates with its own identity's token, and credentials in the URL would be copied into every artifact; remove them"
        ));
    }
    if t.contains('?') || t.contains('#') {
        return Err(format!(
            "{t:?} has a query or fragment, which an issuer hook must not carry; {FORM}"
        ));
    }
    https_url(t).map_err(|_| format!("{t:?} is not a valid https URL; {FORM}"))?;
    Ok(t.to_string())
}

pub fn aws_account_id(t: &str) -> Result<String, String> {
    digits(t, 12, "an AWS account ID")
}

pub fn tenant_id(t: &str) -> Result<String, String> {
    guid(t, "a tenant ID")
}

pub fn object_id(t: &str) -> Result<String, String> {
    guid(t, "an object ID")
}

pub fn client_id(t: &str) -> Result<String, String> {
    guid(t, "a client ID")
}

/// An IAM member that names people or a workload by e-mail: `group:`, `user:` or
/// `serviceAccount:` followed by an address with a dotted domain.
pub fn iam_member(t: &str) -> Result<String, String> {
    let email = ["group:", "user:", "serviceAccount:"].iter().find_map(|p| t.strip_prefix(p));
    let ok = email.is_some_and(|e| match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && local.bytes().all(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b))
                && domain.contains('.')
                && is_host_name(domain)
        }
        None => false,
    });
    if ok {
        Ok(t.to_string())
    } else {
        Err(format!(
            "{t:?} is not an IAM member: write group:<email>, user:<email> or serviceAccount:<email>, like \"group:orders-writers@acme.com\""
        ))
    }
}

pub fn subscription_id(t: &str) -> Result<String, String> {
    guid(t, "a subscription ID")
}

pub fn project_number(t: &str) -> Result<String, String> {
    token(t, 1, 20, "", "a project number").and_then(|n| {
        if n.bytes().all(|c| c.is_ascii_digit()) {
            Ok(n)
        } else {
            Err(format!("{t:?} is not a project number: use digits only"))
        }
    })
}

pub fn database_name(t: &str) -> Result<String, String> {
    token(t, 1, 63, "_-", "a database name")
}

pub fn cluster_name(t: &str) -> Result<String, String> {
    token(t, 1, 100, "-_", "a cluster name")
}

pub fn branch(t: &str) -> Result<String, String> {
    token(t, 1, 255, "-_./", "a branch name").and_then(|b| {
        // git check-ref-format refuses these; they would also climb out of a path.
        if b.contains("..") || b.starts_with('/') || b.ends_with('/') || b.contains("//") {
            Err(format!(
                "{t:?} is not a branch name git accepts: no '..', '//' or leading/trailing '/'"
            ))
        } else {
            Ok(b)
        }
    })
}

/// A workload `name` or `environment` (already a DNS label): no `--`, which joins the two into
/// one identifier (`<environment>--<name>`), so that distinct pairs never share one.
pub fn workload_part(t: &str) -> Result<String, String> {
    if t.contains("--") {
        return Err(format!(
            "{t:?} holds '--', which joins environment and name in every identifier the plan names (\"<environment>--<name>\"), so neither may contain it: use single hyphens"
        ));
    }
    Ok(t.to_string())
}

/// Eight lowercase hex digits of SHA-256 over `text`: the short, stable tag that keeps names
/// built from `text` apart when their readable part is cut or folded (Sids, bounded names,
/// storage accounts).
pub fn digest8(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes()).iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// `name` when it fits in `max` characters; otherwise its first characters and eight hex digits
/// of SHA-256 over the whole name, `max` long in all. Distinct names stay distinct (the digest is
/// of the full text) and the same name always gives the same result, so a platform's length
/// limit (64 for IAM roles and Lambda functions, 52 for CronJobs) never refuses a planned name.
pub fn bounded_name(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let digest = digest8(name);
    let prefix = name[..max - 9].trim_end_matches(['-', '_', '.']);
    format!("{prefix}-{digest}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workload_parts() {
        assert!(workload_part("eu-payments").is_ok());
        assert!(workload_part("a--b").is_err());
    }

    #[test]
    fn urls() {
        for ok in [
            "https://vault.example.com:8200",
            "https://vault.example.com:8200/",
            "https://10.0.0.1:8200",
            "https://[::1]:8200",
            "https://[2001:db8::1]",
            "https://[::ffff:10.0.0.1]:8200",
            "https://vault.example.com/a-b/c_d/e.f~g",
            "http://127.0.0.1:8200",
            "http://localhost:8200",
            "http://[::1]:8200",
        ] {
            assert!(https_url(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            https_url("https://v.example.com/").unwrap(),
            ("https://v.example.com".into(), false)
        );
        assert!(https_url("http://127.0.0.1").unwrap().1);
        for bad in [
            "https://",
            "https:///",
            "ftp://vault",
            "https://user@vault.example.com",
            "https://a:b@vault.example.com",
            "http://vault.example.com",
            "http://10.0.0.1:8200",
            "https://vault.example.com:0",
            "https://vault.example.com:65536",
            "https://vault.example.com:80a",
            "https://vault.example.com:",
            "https://vault.example.com/?x=1",
            "https://vault.example.com/#x",
            "https://vault.example.com//x",
            "https://vault.example.com/./x",
            "https://vault.example.com/../x",
            "https://vault.example.com/%41",
            "https://vault.example.com/${x}",
            "https://vault.example.com/$(id)",
            "https://vault.example.com/\"",
            "https://vault.example.com/'",
            "https://vault.example.com/`",
            "https://vault.example.com/\\u0022",
            "https://vault.example.com/\u{202e}",
            "https://vault.example.com/\u{200b}",
            "https://vault.example.com/ x",
            "https://-vault.example.com",
            "https://vault_1.example.com",
            "https://999.1.1.1",
            "https://01.1.1.1",
            "https://[::1",
            "https://[fe80::1%eth0]",
            "https://[::1]x",
            "https://vaulté.example",
        ] {
            assert!(https_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_and_ids() {
        assert!(certificate_name("orders.example.com").is_ok());
        assert!(certificate_name("*.orders.example.com").is_ok());
        assert_eq!(subject_alt_name("10.0.0.1").as_deref(), Ok("10.0.0.1"));
        assert_eq!(subject_alt_name("2001:DB8::1").as_deref(), Ok("2001:db8::1"));
        assert_eq!(subject_alt_name("*.orders.example.com").as_deref(), Ok("*.orders.example.com"));
        for bad in ["010.0.0.1", "10.0.0.256", "fe80::1%eth0", "*.10.0.0.1", "Orders.example.com", "*"] {
            assert!(subject_alt_name(bad).is_err(), "{bad}");
        }
        for bad in ["10.0.0.1", "*.com", "*.*.example.com", "Orders.example.com", "a..b", "-a.example"] {
            assert!(certificate_name(bad).is_err(), "{bad}");
        }
        assert!(db_host("db.internal").is_ok() && db_host("10.1.2.3").is_ok() && db_host("DB-1.example").is_ok());
        for bad in ["-oProxyCommand=x", "db.", "a b", "db$x", "256.1.1.1.1"] {
            assert!(db_host(bad).is_err(), "{bad}");
        }
        assert!(gcp_location("us-central1").is_ok() && gcp_location("global").is_ok());
        for bad in ["-a", "a-", "US", "1us"] {
            assert!(gcp_location(bad).is_err(), "{bad}");
        }
        assert!(resource_group("rg-prod_(1).x").is_ok());
        for bad in [".", "..", "rg.", "rg/x", "rg x"] {
            assert!(resource_group(bad).is_err(), "{bad}");
        }
        for ok in [
            "1234abcd-12ab-34cd-56ef-1234567890ab",
            "mrk-1234abcd12ab34cd56ef1234567890ab",
            "alias/prod/secrets",
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "arn:aws-us-gov:kms:us-gov-west-1:123456789012:alias/x",
        ] {
            assert!(kms_key_id(ok).is_ok(), "{ok}");
        }
        for bad in [
            ":",
            "key",
            "alias/",
            "alias//x",
            "arn:aws:kms:us-east-1:123:key/x",
            "arn:aws:s3:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ] {
            assert!(kms_key_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timestamps() {
        for ok in ["2026-01-31T12:00:00Z", "2024-02-29T23:59:60.5+05:30", "2026-12-31t00:00:00-23:59"] {
            assert!(rfc3339(ok).is_ok(), "{ok}");
        }
        for bad in [
            "2026-13-45T99:99:99Z",
            "2026-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-00-10T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:60:00Z",
            "2026-01-01T00:00:61Z",
            "2026-01-01T00:00:00+24:00",
            "2026-01-01T00:00:00+00:60",
        ] {
            assert!(rfc3339(bad).is_err(), "{bad}");
        }
    }
}
