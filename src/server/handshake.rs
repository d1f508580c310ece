//! The pieces of go-plugin's handshake: the cookie, protocol negotiation and the stdout line.

use base64::Engine;

pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// Plugin protocol versions served, highest first.
pub const SUPPORTED_PROTOCOLS: [u32; 2] = [6, 5];
/// go-plugin's own core protocol version, the first field of the handshake line.
const CORE_PROTOCOL: u32 = 1;

/// The highest protocol both sides speak. A client that offers no list is an old go-plugin
/// client, which speaks protocol 5.
pub fn negotiate(offered: Option<&str>) -> Result<u32, String> {
    let Some(list) = offered.filter(|l| !l.trim().is_empty()) else {
        return Ok(5);
    };
    let offered: Vec<u32> = list.split(',').filter_map(|v| v.trim().parse().ok()).collect();
    SUPPORTED_PROTOCOLS.iter().copied().find(|v| offered.contains(v)).ok_or_else(|| {
        format!(
            "secretsint: this Terraform offers plugin protocol versions [{list}], but the provider speaks {:?}. Use Terraform 0.12 or newer, or OpenTofu.",
            SUPPORTED_PROTOCOLS
        )
    })
}

/// `1|<protocol>|unix|<socket>|grpc|<certificate>`: the certificate is the server's DER in
/// standard base64 without padding, or empty when TLS is off.
pub fn line(protocol: u32, network: &str, address: &str, cert_der: Option<&[u8]>) -> String {
    let cert = cert_der
        .map(|der| base64::engine::general_purpose::STANDARD_NO_PAD.encode(der))
        .unwrap_or_default();
    format!("{CORE_PROTOCOL}|{protocol}|{network}|{address}|grpc|{cert}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_table() {
        let cases = [
            (Some("5,6"), Ok(6)),
            (Some("6"), Ok(6)),
            (Some("5"), Ok(5)),
            (Some(" 6 , 5 "), Ok(6)),
            (None, Ok(5)),
            (Some(""), Ok(5)),
        ];
        for (offered, want) in cases {
            assert_eq!(negotiate(offered), want, "{offered:?}");
        }
        assert!(negotiate(Some("4,7")).unwrap_err().contains("[4,7]"));
    }

    #[test]
    fn handshake_line_shape() {
        let l = line(6, "unix", "/tmp/x/plugin.sock", Some(&[1, 2, 3, 4]));
        assert_eq!(l, "1|6|unix|/tmp/x/plugin.sock|grpc|AQIDBA");
        assert_eq!(line(5, "tcp", "127.0.0.1:50123", None), "1|5|tcp|127.0.0.1:50123|grpc|");
    }
}
