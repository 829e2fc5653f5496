//! The `prompt` parameter of the authorization request (OpenID Connect Core
//! 1.0 section 3.1.2.1). It comes from OpenID Connect, but MCP and other
//! OAuth clients send it as well.
//!
//! - `consent` shows the consent page even when a remembered grant covers
//!   the request.
//! - `none` shows no page. When the member would have to sign in or
//!   approve, the request ends in a redirect to the client with
//!   `login_required` or `consent_required` (OpenID Connect Core 1.0
//!   section 3.1.2.6), carrying `state` and `iss` like every other error
//!   redirect. `none` together with `login`, `consent` or `select_account`
//!   is rejected with `invalid_request`.
//!
//! Not supported: `login` (re-authenticate a signed-in member) and
//! `select_account` are ignored, and so are unknown values.

use oauth_apps_core::service::ValidatedAuthorization;

/// The interaction a client requests with `prompt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prompt {
    /// No supported value: show a page only when one is needed.
    Default,
    /// `consent`: always show the consent page.
    Consent,
    /// `none`: never show a page.
    None,
}

impl Prompt {
    /// Parses the space-delimited `prompt` value. Returns the error
    /// description when `none` is combined with a value that requests a page.
    pub(crate) fn parse(value: Option<&str>) -> Result<Prompt, &'static str> {
        let values: Vec<&str> = value.unwrap_or_default().split(' ').collect();
        let requests_page = values
            .iter()
            .any(|value| matches!(*value, "login" | "consent" | "select_account"));
        if values.contains(&"none") {
            if requests_page {
                return Err("prompt=none cannot be combined with another prompt value");
            }
            return Ok(Prompt::None);
        }
        if values.contains(&"consent") {
            return Ok(Prompt::Consent);
        }
        Ok(Prompt::Default)
    }
}

/// The interaction a `prompt=none` request would need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum InteractionRequired {
    /// The visitor is not signed in.
    Login,
    /// The member would have to approve the app or choose a workspace.
    Consent,
}

impl InteractionRequired {
    fn error_code(self) -> &'static str {
        match self {
            InteractionRequired::Login => "login_required",
            InteractionRequired::Consent => "consent_required",
        }
    }

    fn description(self) -> &'static str {
        match self {
            InteractionRequired::Login => "prompt=none was sent, but the member is not signed in",
            InteractionRequired::Consent => {
                "prompt=none was sent, but the member has to approve this request"
            }
        }
    }

    /// Builds the error redirect to the verified redirect URI of
    /// `validated`, with `error`, `error_description`, `state` and `iss`.
    pub(crate) fn location(self, validated: &ValidatedAuthorization, issuer: &str) -> String {
        tracing::info!(
            client_id = %validated.client.id,
            error = self.error_code(),
            "prompt=none request needs a page"
        );
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("error", self.error_code())
            .append_pair("error_description", self.description());
        if let Some(state) = &validated.state {
            query.append_pair("state", state);
        }
        query.append_pair("iss", issuer);

        let uri = &validated.redirect_uri;
        let separator = if uri.contains('?') { '&' } else { '?' };
        format!("{uri}{separator}{}", query.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompt_values() {
        let cases = [
            (None, Ok(Prompt::Default)),
            (Some("consent"), Ok(Prompt::Consent)),
            (Some("login consent"), Ok(Prompt::Consent)),
            (Some("none"), Ok(Prompt::None)),
            (Some("none unknown"), Ok(Prompt::None)),
            (Some("login"), Ok(Prompt::Default)),
            (Some("select_account"), Ok(Prompt::Default)),
            (Some("unknown"), Ok(Prompt::Default)),
            (Some("None"), Ok(Prompt::Default)),
        ];
        for (value, expected) in cases {
            assert_eq!(Prompt::parse(value), expected, "{value:?}");
        }
    }

    #[test]
    fn none_with_page_value_is_rejected() {
        for value in ["none consent", "login none", "none select_account"] {
            assert!(Prompt::parse(Some(value)).is_err(), "{value:?}");
        }
    }
}
