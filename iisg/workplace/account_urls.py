"""Passwords, under /account/ beside two-factor and API tokens: Django's views under Django's own
URL names, so that Django's links (the admin's "Forgotten your password?") find them."""

from django.urls import path

from . import accounts

reset = accounts.PasswordResetView.as_view()

urlpatterns = [
    path("password-reset/", reset, name="password_reset"),
    # The name the admin's sign-in page looks for to offer "Forgotten your password?".
    path("password-reset/", reset, name="admin_password_reset"),
    path("password-reset/sent/", accounts.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/", accounts.PasswordResetConfirmView.as_view(), name="password_reset_confirm"
    ),
    path("password-reset/complete/", accounts.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("set-password/<uidb64>/<token>/", accounts.SetPasswordView.as_view(), name="set_password"),
    path("password/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path("password/changed/", accounts.PasswordChangeDoneView.as_view(), name="password_change_done"),
]
