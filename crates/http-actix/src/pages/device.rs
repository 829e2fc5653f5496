//! The device verification pages (RFC 8628 section 3.3): the form to enter
//! a user code, the consent page for the device's app, and the result.

use maud::{Markup, html};
use oauth_apps_core::client::Environment;

use super::consent::{app_summary, revocation_note, workspace_field};
use super::{WorkspaceChoice, layout};

/// Content of the form to enter a user code.
pub(crate) struct UserCodePage<'a> {
    /// Path the form posts to.
    pub(crate) action: &'a str,
    /// CSRF token bound to the session.
    pub(crate) csrf_token: &'a str,
    /// The code to fill in, from `?user_code=` or the failed attempt.
    pub(crate) user_code: &'a str,
    /// Why the previous code was not accepted.
    pub(crate) error: Option<&'a str>,
}

/// Renders the form to enter a user code.
pub(crate) fn user_code_page(page: &UserCodePage<'_>) -> Markup {
    layout(
        "Connect a device",
        html! {
            h1 { "Connect a device" }
            @if let Some(error) = page.error {
                p.notice role="alert" { (error) }
            }
            p { "Enter the code shown on your device or in your terminal." }
            form method="post" action=(page.action) {
                input type="hidden" name="csrf_token" value=(page.csrf_token);
                label for="user_code" { "Code" }
                input #user_code type="text" name="user_code" value=(page.user_code)
                    autocomplete="off" autocapitalize="characters" spellcheck="false"
                    maxlength="20" placeholder="XXXX-XXXX" required autofocus;
                button.primary type="submit" { "Continue" }
            }
        },
    )
}

/// Content of the consent page for a device authorization.
pub(crate) struct DeviceConsentPage<'a> {
    /// Path the decision is posted to.
    pub(crate) action: &'a str,
    /// App name.
    pub(crate) app_name: &'a str,
    /// App description.
    pub(crate) app_description: &'a str,
    /// App homepage, if registered and an http or https URL.
    pub(crate) homepage: Option<&'a str>,
    /// App environment, shown only for an app an administrator registered.
    pub(crate) environment: Environment,
    /// Whether the app registered itself, so its name is unchecked.
    pub(crate) self_registered: bool,
    /// Name of the signed-in member.
    pub(crate) member: &'a str,
    /// Requested scopes with their plain-words descriptions.
    pub(crate) scopes: Vec<(String, String)>,
    /// Workspaces where the member may approve the app, at least one.
    pub(crate) workspaces: &'a [WorkspaceChoice],
    /// The user code, formatted `XXXX-XXXX`, to compare with the device.
    pub(crate) user_code: &'a str,
    /// CSRF token bound to the session.
    pub(crate) csrf_token: &'a str,
}

/// Renders the consent page for a device authorization.
pub(crate) fn device_consent_page(page: &DeviceConsentPage<'_>) -> Markup {
    layout(
        &format!("Allow {} access?", page.app_name),
        html! {
            h1 { "Allow " strong { (page.app_name) } " to access your account?" }
            (app_summary(page.app_description, page.environment, page.self_registered))
            @if let Some(homepage) = page.homepage {
                p.muted { "App homepage: " a href=(homepage) rel="noopener noreferrer" { (homepage) } }
            }
            p {
                "Check that your device shows the code " strong { code { (page.user_code) } }
                ". If it does not, or you did not start this, choose Deny."
            }
            p { "Signed in as " strong { (page.member) } ". The app will be able to:" }
            ul.scopes {
                @for (scope, description) in &page.scopes {
                    li { (description) " " code.muted { (scope) } }
                }
            }
            form method="post" action=(page.action) {
                input type="hidden" name="user_code" value=(page.user_code);
                input type="hidden" name="csrf_token" value=(page.csrf_token);
                (workspace_field(page.workspaces))
                button.primary type="submit" name="decision" value="approve" { "Approve" }
                button.secondary type="submit" name="decision" value="deny" { "Deny" }
            }
            (revocation_note())
        },
    )
}

/// Renders the page after a decision.
pub(crate) fn device_result_page(app_name: &str, approved: bool) -> Markup {
    let (title, detail) = if approved {
        (
            "Device connected",
            format!("{app_name} now has access. You can return to your device."),
        )
    } else {
        (
            "Access denied",
            format!("{app_name} did not get access. You can return to your device."),
        )
    };
    layout(
        title,
        html! {
            h1 { (title) }
            p { (detail) }
            p.muted { "You can close this page." }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_code_page_prefills_and_escapes() {
        let html = user_code_page(&UserCodePage {
            action: "/device",
            csrf_token: "tok",
            user_code: "\"><b>",
            error: Some("That code is not valid."),
        })
        .into_string();
        assert!(html.contains(r#"name="user_code" value="&quot;&gt;&lt;b&gt;""#));
        assert!(html.contains("That code is not valid."));
        assert!(html.contains(r#"name="csrf_token" value="tok""#));
    }

    fn consent_page(workspaces: &[WorkspaceChoice], self_registered: bool) -> String {
        device_consent_page(&DeviceConsentPage {
            action: "/device",
            app_name: "CLI <tool>",
            app_description: "Command line",
            homepage: None,
            environment: Environment::Production,
            self_registered,
            member: "Ada",
            scopes: vec![("bugs:read".into(), "See bugs".into())],
            workspaces,
            user_code: "BCDF-GHJK",
            csrf_token: "tok",
        })
        .into_string()
    }

    fn acme() -> [WorkspaceChoice; 1] {
        [WorkspaceChoice {
            id: "ws_1".into(),
            name: "Acme".into(),
        }]
    }

    #[test]
    fn consent_page_shows_user_code_and_scopes() {
        let workspaces = acme();
        let html = consent_page(&workspaces, false);
        assert!(html.contains("CLI &lt;tool&gt;"));
        assert!(html.contains("<code>BCDF-GHJK</code>"));
        assert!(html.contains("See bugs"));
        assert!(html.contains(r#"name="workspace_id" value="ws_1""#));
        assert!(html.contains(r#"value="approve""#));
        assert!(html.contains(r#"value="deny""#));
    }

    #[test]
    fn consent_page_promises_no_connected_apps_page() {
        let workspaces = acme();
        let html = consent_page(&workspaces, false);
        assert!(!html.contains("in your connected apps"));
        assert!(html.contains("no page yet"));
    }

    #[test]
    fn self_registered_device_app_is_marked_unverified() {
        let workspaces = acme();
        let html = consent_page(&workspaces, true);
        assert!(html.contains("Unverified app:"));
        assert!(!html.contains("Production"), "no environment tag");
        let registered = consent_page(&workspaces, false);
        assert!(registered.contains(r#"<span class="tag">Production</span>"#));
        assert!(!registered.contains("Unverified app"));
    }

    #[test]
    fn result_page_sends_member_back_to_device() {
        let approved = device_result_page("CLI", true).into_string();
        assert!(approved.contains("You can return to your device"));
        let denied = device_result_page("CLI", false).into_string();
        assert!(denied.contains("Access denied"));
    }
}
