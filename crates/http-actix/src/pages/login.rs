//! The bundled login form.

use maud::{Markup, html};

use super::layout;

/// Content of the login form.
pub(crate) struct LoginPage<'a> {
    /// Path the form posts to.
    pub(crate) action: &'a str,
    /// Path to return to after signing in.
    pub(crate) return_to: &'a str,
    /// CSRF token bound to the login nonce cookie.
    pub(crate) csrf_token: &'a str,
    /// Email to fill in again after a failed attempt.
    pub(crate) email: &'a str,
    /// Message of a failed attempt.
    pub(crate) error: Option<&'a str>,
}

/// Renders the login form.
pub(crate) fn login_page(page: &LoginPage<'_>) -> Markup {
    layout(
        "Sign in",
        html! {
            h1 { "Sign in to continue" }
            @if let Some(error) = page.error {
                p.notice role="alert" { (error) }
            }
            form method="post" action=(page.action) {
                input type="hidden" name="return_to" value=(page.return_to);
                input type="hidden" name="csrf_token" value=(page.csrf_token);
                label for="email" { "Email" }
                input #email type="email" name="email" value=(page.email)
                    autocomplete="username" required autofocus;
                label for="password" { "Password" }
                input #password type="password" name="password"
                    autocomplete="current-password" required;
                button.primary type="submit" { "Sign in" }
            }
        },
    )
}
