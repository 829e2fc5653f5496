//! The consent page: the requesting app, the requested scopes and the
//! workspace to approve them in.

use maud::{Markup, html};
use oauth_apps_core::client::Environment;

use super::layout;

/// A workspace the member may approve the app in.
pub(crate) struct WorkspaceChoice {
    /// Workspace ID, sent back with the decision.
    pub(crate) id: String,
    /// Workspace name.
    pub(crate) name: String,
}

/// Content and hidden fields of the consent page.
pub(crate) struct ConsentPage<'a> {
    /// Path the decision is posted to.
    pub(crate) action: &'a str,
    /// App name.
    pub(crate) app_name: &'a str,
    /// App description.
    pub(crate) app_description: &'a str,
    /// App homepage, if registered.
    pub(crate) homepage: Option<&'a str>,
    /// Host of the client ID metadata document that describes the app, for
    /// an app identified by one.
    pub(crate) verified_domain: Option<&'a str>,
    /// App environment, shown only for an app an administrator registered.
    pub(crate) environment: Environment,
    /// Whether the app registered itself (dynamic registration, the device
    /// flow or a metadata document), so its name is unchecked.
    pub(crate) self_registered: bool,
    /// Origin of the redirect URI the decision is sent to
    /// (`https://host[:port]`, or `scheme:` for a private-use scheme).
    pub(crate) return_to: Option<&'a str>,
    /// Name of the signed-in member.
    pub(crate) member: &'a str,
    /// Requested scopes with their plain-words descriptions.
    pub(crate) scopes: Vec<(String, String)>,
    /// Workspaces where the member may approve the app, at least one.
    pub(crate) workspaces: &'a [WorkspaceChoice],
    /// The original request parameters, sent back as hidden fields.
    pub(crate) hidden: Vec<(&'static str, &'a str)>,
    /// CSRF token bound to the session.
    pub(crate) csrf_token: &'a str,
}

/// Returns the label of `environment` as the consent pages show it.
pub(super) fn environment_label(environment: Environment) -> &'static str {
    match environment {
        Environment::Production => "Production",
        Environment::Staging => "Staging",
        Environment::Development => "Development",
    }
}

/// Renders the consent page.
pub(crate) fn consent_page(page: &ConsentPage<'_>) -> Markup {
    layout(
        &format!("Allow {} access?", page.app_name),
        html! {
            h1 { "Allow " strong { (page.app_name) } " to access your account?" }
            (app_summary(page.app_description, page.environment, page.self_registered))
            @if let Some(domain) = page.verified_domain {
                p.notice {
                    "This app is verified by the domain " strong { (domain) }
                    ", which serves the document that describes it."
                }
            }
            @if let Some(homepage) = page.homepage {
                p.muted { "App homepage: " a href=(homepage) rel="noopener noreferrer" { (homepage) } }
            }
            p { "Signed in as " strong { (page.member) } ". The app will be able to:" }
            ul.scopes {
                @for (scope, description) in &page.scopes {
                    li { (description) " " code.muted { (scope) } }
                }
            }
            @if let Some(return_to) = page.return_to {
                p { "After you decide, you will be sent to " strong { (return_to) } "." }
            }
            form method="post" action=(page.action) {
                @for (name, value) in &page.hidden {
                    input type="hidden" name=(name) value=(value);
                }
                input type="hidden" name="csrf_token" value=(page.csrf_token);
                (workspace_field(page.workspaces))
                button.primary type="submit" name="decision" value="approve" { "Approve" }
                button.secondary type="submit" name="decision" value="deny" { "Deny" }
            }
            (revocation_note())
        },
    )
}

/// Renders the app's description with its environment tag, or, for a
/// self-registered app, with a notice that its name is unchecked, because
/// the environment of such an app means nothing.
pub(super) fn app_summary(
    description: &str,
    environment: Environment,
    self_registered: bool,
) -> Markup {
    html! {
        @if self_registered {
            p { (description) }
            p.notice {
                strong { "Unverified app:" }
                " it registered itself, so its name was chosen by its developer and \
                 not checked by this server."
            }
        } @else {
            p {
                (description) " "
                span.tag { (environment_label(environment)) }
            }
        }
    }
}

/// Renders the note on revoking access, which says that no page for it
/// exists yet.
pub(super) fn revocation_note() -> Markup {
    html! {
        p.muted {
            "This server has no page yet where you can see or revoke the apps you \
             approved."
        }
    }
}

/// Renders the workspace choice: a hidden field and the name when there is
/// one workspace, otherwise a radio button for each.
pub(super) fn workspace_field(workspaces: &[WorkspaceChoice]) -> Markup {
    html! {
        @if let [only] = workspaces {
            input type="hidden" name="workspace_id" value=(only.id);
            p { "Workspace: " strong { (only.name) } }
        } @else {
            fieldset {
                legend { "Choose the workspace the app may access" }
                @for (index, workspace) in workspaces.iter().enumerate() {
                    label {
                        input type="radio" name="workspace_id" value=(workspace.id)
                            required checked[index == 0];
                        " " (workspace.name)
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page<'a>(workspaces: &'a [WorkspaceChoice]) -> ConsentPage<'a> {
        ConsentPage {
            action: "/oauth/authorize",
            app_name: "Demo <App>",
            app_description: "Syncs bugs",
            homepage: Some("https://app.example"),
            verified_domain: None,
            environment: Environment::Staging,
            self_registered: false,
            return_to: Some("https://app.example"),
            member: "Ada",
            scopes: vec![("bugs:read".into(), "See bugs".into())],
            workspaces,
            hidden: vec![("client_id", "app_1"), ("state", "\"><x")],
            csrf_token: "tok",
        }
    }

    fn choice(id: &str) -> WorkspaceChoice {
        WorkspaceChoice {
            id: id.into(),
            name: format!("Workspace {id}"),
        }
    }

    #[test]
    fn consent_page_names_app_scopes_and_environment() {
        let html = consent_page(&page(&[choice("ws_1")])).into_string();
        assert!(html.contains("Demo &lt;App&gt;"));
        assert!(html.contains("See bugs"));
        assert!(html.contains("Staging"));
        assert!(html.contains("https://app.example"));
        assert!(html.contains(r#"name="workspace_id" value="ws_1""#));
        assert!(!html.contains("type=\"radio\""));
    }

    #[test]
    fn consent_page_promises_no_connected_apps_page() {
        let html = consent_page(&page(&[choice("ws_1")])).into_string();
        assert!(!html.contains("in your connected apps"));
        assert!(html.contains("no page yet"));
    }

    #[test]
    fn consent_page_shows_verified_domain() {
        let workspaces = [choice("ws_1")];
        let html = consent_page(&ConsentPage {
            verified_domain: Some("tool.example"),
            ..page(&workspaces)
        })
        .into_string();
        assert!(html.contains("verified by the domain <strong>tool.example</strong>"));
    }

    #[test]
    fn self_registered_app_is_marked_unverified() {
        let workspaces = [choice("ws_1")];
        let html = consent_page(&ConsentPage {
            self_registered: true,
            ..page(&workspaces)
        })
        .into_string();
        assert!(html.contains("Unverified app:"));
        assert!(html.contains("its name was chosen by its developer"));
        assert!(!html.contains("Staging"), "no environment tag");
    }

    #[test]
    fn registered_app_shows_environment_not_notice() {
        let html = consent_page(&page(&[choice("ws_1")])).into_string();
        assert!(html.contains(r#"<span class="tag">Staging</span>"#));
        assert!(!html.contains("Unverified app"));
    }

    #[test]
    fn consent_page_names_return_origin() {
        let workspaces = [choice("ws_1")];
        let html = consent_page(&ConsentPage {
            return_to: Some("https://evil.example:8443"),
            ..page(&workspaces)
        })
        .into_string();
        assert!(html.contains(
            "After you decide, you will be sent to <strong>https://evil.example:8443</strong>."
        ));
    }

    #[test]
    fn consent_page_escapes_hidden_fields() {
        let html = consent_page(&page(&[choice("ws_1")])).into_string();
        assert!(html.contains(r#"name="state" value="&quot;&gt;&lt;x""#));
    }

    #[test]
    fn several_workspaces_offer_a_choice() {
        let html = consent_page(&page(&[choice("ws_1"), choice("ws_2")])).into_string();
        assert_eq!(html.matches("type=\"radio\"").count(), 2);
        assert!(html.contains("Workspace ws_2"));
    }
}
