//! Server-rendered pages: the login form, the consent page and error pages.
//!
//! Pages are built with maud, which escapes every interpolated value, and
//! contain no script. [`crate::security::html`] adds the headers.

mod consent;
mod device;
mod login;

pub(crate) use consent::{ConsentPage, WorkspaceChoice, consent_page};
pub(crate) use device::{
    DeviceConsentPage, UserCodePage, device_consent_page, device_result_page, user_code_page,
};
pub(crate) use login::{LoginPage, login_page};

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::security::STYLESHEET;

/// Wraps `body` in the common page layout.
pub(crate) fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) }
                // The constant stylesheet is allowed by its hash in the CSP.
                style { (PreEscaped(STYLESHEET)) }
            }
            body {
                main { (body) }
            }
        }
    }
}

/// Renders an error page. `detail` is shown as given, so it must contain
/// nothing internal.
pub(crate) fn error_page(title: &str, detail: &str, back_link: Option<&str>) -> Markup {
    layout(
        title,
        html! {
            h1 { (title) }
            p.notice { (detail) }
            @if let Some(href) = back_link {
                p { a href=(href) { "Return to the app" } }
            } @else {
                p.muted { "You can close this page." }
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_page_escapes_detail() {
        let page = error_page("Error", "<script>alert(1)</script>", None).into_string();
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;"));
    }

    #[test]
    fn layout_embeds_the_hashed_stylesheet() {
        let page = layout("T", html! {}).into_string();
        assert!(page.contains(&format!("<style>{STYLESHEET}</style>")));
    }
}
