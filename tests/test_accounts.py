"""Logging in and out, safe redirects, rate limits, account administration."""

import pytest
from sqlalchemy import select

from masterclass.db import write_transaction
from masterclass.extensions import db
from masterclass.models import User

from .helpers import csrf_token, soup, text_of


def post_login(client, email, password, next_=None):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client, "/connexion")}
    if next_ is not None:
        data["next"] = next_
    return client.post("/connexion", data=data)


def test_login_then_logout(client, make_user):
    make_user(email="anne@example.org", password="mot de passe sûr")
    response = post_login(client, "Anne@Example.org ", "mot de passe sûr")
    assert response.status_code == 302 and response.headers["Location"] == "/moderation/"
    assert "Modération" in text_of(client.get("/moderation/"))
    response = client.post("/deconnexion", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert client.get("/moderation/").status_code == 302


def test_wrong_password_and_unknown_email_get_the_same_generic_error(client, make_user):
    make_user(email="anne@example.org")
    wrong = post_login(client, "anne@example.org", "pas le bon")
    unknown = post_login(client, "personne@example.org", "pas le bon")
    assert wrong.status_code == unknown.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in text_of(wrong)
    assert soup(wrong).select_one("[role=alert]").get_text() == soup(unknown).select_one(
        "[role=alert]").get_text()
    # What was typed stays (the address), the password does not.
    assert soup(wrong).find("input", attrs={"name": "email"})["value"] == "anne@example.org"
    assert not soup(wrong).find("input", attrs={"name": "password"}).get("value")


def test_logout_is_a_post(client, auth):
    auth.login()
    assert client.get("/deconnexion").status_code == 405
    assert client.get("/moderation/").status_code == 200


@pytest.mark.parametrize("target", ["/seances?page=2", "/moderation/seances/nouvelle"])
def test_next_is_honoured_for_same_site_paths(client, make_user, target):
    make_user(email="anne@example.org", password="mot de passe sûr")
    response = post_login(client, "anne@example.org", "mot de passe sûr", next_=target)
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example", "https://evil.example/",
                                    "javascript:alert(1)", "http:/evil.example", "/\t/evil.example",
                                    "evil.example", "\\\\evil.example"])
def test_next_to_elsewhere_is_ignored(client, make_user, target):
    make_user(email="anne@example.org", password="mot de passe sûr")
    response = post_login(client, "anne@example.org", "mot de passe sûr", next_=target)
    assert response.headers["Location"] == "/moderation/"


def test_anonymous_is_sent_to_login_with_next(client):
    response = client.get("/moderation/seances/nouvelle")
    assert response.status_code == 302
    assert response.headers["Location"] == "/connexion?next=/moderation/seances/nouvelle"
    page = soup(client.get(response.headers["Location"]))
    assert page.find("input", attrs={"name": "next"})["value"] == "/moderation/seances/nouvelle"


def test_deactivated_account_cannot_log_in_nor_keep_its_session(client, auth, make_user):
    auth.login(role="moderator", email="anne@example.org")
    assert client.get("/moderation/").status_code == 200
    with write_transaction() as session:
        session.scalar(select(User).where(User.email == "anne@example.org")).active = False
    assert client.get("/moderation/").status_code == 302  # the open session is gone
    response = post_login(client, "anne@example.org", "mot de passe sûr")
    assert response.status_code == 401


def test_login_attempts_are_limited_per_account(make_app):
    app = make_app(RATELIMIT_ENABLED=True)
    client = app.test_client()
    with app.app_context():
        from masterclass.accounts.services import create_or_update_user
        create_or_update_user("anne@example.org", "moderator", "mot de passe sûr")
    statuses = [post_login(client, "anne@example.org", "faux").status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    response = post_login(client, "anne@example.org", "mot de passe sûr")
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in text_of(response)
    # Another account from the same room is not blocked by Anne's mistakes.
    other = post_login(client, "bruno@example.org", "faux")
    assert other.status_code == 401


def test_login_without_csrf_token_changes_nothing(client, make_user):
    make_user(email="anne@example.org", password="mot de passe sûr")
    response = client.post("/connexion", data={"email": "anne@example.org", "password": "mot de passe sûr"})
    assert response.status_code == 400
    assert client.get("/moderation/").status_code == 302


# --- admin page -------------------------------------------------------------------------------

def admin_post(client, **data):
    return client.post("/admin/utilisateurs", data={"csrf_token": csrf_token(client, "/admin/utilisateurs"),
                                                    **data})


def session_contents(client, app) -> str:
    """The session cookie decoded (signed, not encrypted: anyone holding it can read it)."""
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    if cookie is None:
        return ""
    serializer = app.session_interface.get_signing_serializer(app)
    return repr(serializer.loads(cookie.value))


def test_admin_creates_a_moderator_with_a_generated_password(client, auth, app):
    auth.login(role="admin")
    response = admin_post(client, action="create", email="Nouveau@Example.org", role="moderator")
    # Shown in the very response that created it: never kept in the session cookie.
    assert response.status_code == 201
    assert "no-store" in response.headers["Cache-Control"]
    page = text_of(response)
    assert "Compte créé pour nouveau@example.org" in page
    password = page.split("Mot de passe à transmettre : ")[1].split()[0]
    user = db.session.scalar(select(User).where(User.email == "nouveau@example.org"))
    assert user.role == "moderator" and user.check_password(password)
    assert password not in session_contents(client, app)
    assert password not in text_of(client.get("/admin/utilisateurs"))  # shown once


def test_admin_form_errors_are_french_and_keep_input(client, auth):
    auth.login(role="admin")
    response = admin_post(client, action="create", email="pas-une-adresse", password="court")
    assert response.status_code == 400
    page = soup(response)
    assert "Cette adresse e-mail n’est pas valide." in page.get_text()
    assert "au moins 10 caractères" in page.get_text()
    assert page.find("input", attrs={"name": "email"})["value"] == "pas-une-adresse"


def test_admin_deactivates_and_resets(client, auth, make_user, app):
    auth.login(role="admin")
    user, _ = make_user(email="anne@example.org")
    admin_post(client, action="deactivate", user_id=user.id)
    db.session.rollback()
    assert db.session.get(User, user.id).active is False
    response = admin_post(client, action="reset", user_id=user.id)
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    password = text_of(response).split("Nouveau mot de passe de anne@example.org : ")[1].split()[0]
    db.session.rollback()
    assert db.session.get(User, user.id).check_password(password)
    assert password not in session_contents(client, app)
    assert password not in text_of(client.get("/admin/utilisateurs"))


def test_admin_cannot_deactivate_themselves(client, auth):
    auth.login(role="admin", email="chef@example.org")
    me = db.session.scalar(select(User).where(User.email == "chef@example.org"))
    admin_post(client, action="deactivate", user_id=me.id)
    db.session.rollback()
    assert db.session.get(User, me.id).active is True


@pytest.mark.parametrize("data", [{"action": "deactivate", "user_id": "abc"}, {"action": "explode"},
                                  {"action": "reset", "user_id": "999"}])
def test_admin_bad_actions_are_4xx(client, auth, data):
    auth.login(role="admin")
    assert admin_post(client, **data).status_code in (400, 404)


# --- sessions end on the server ----------------------------------------------------------------

def copied_session(app, client):
    """Another browser holding a copy of this client's session cookie (a stolen cookie)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_logout_ends_a_copied_session(app, client, auth):
    auth.login(role="moderator", email="anne@example.org")
    thief = copied_session(app, client)
    assert thief.get("/moderation/").status_code == 200
    auth.logout()
    assert thief.get("/moderation/").status_code == 302
    assert client.get("/moderation/").status_code == 302


def test_logout_ends_the_other_sessions_of_the_account(app, client, auth, make_user):
    auth.login(role="moderator", email="anne@example.org")
    other_device = app.test_client()
    other_device.post("/connexion", data={"email": "anne@example.org", "password": "mot de passe sûr",
                                          "csrf_token": csrf_token(other_device, "/connexion")})
    assert other_device.get("/moderation/").status_code == 200
    auth.logout()
    assert other_device.get("/moderation/").status_code == 302


def signed_in(app, email, password):
    """A browser of its own, signed in."""
    browser = app.test_client()
    browser.post("/connexion", data={"email": email, "password": password,
                                     "csrf_token": csrf_token(browser, "/connexion")})
    return browser


def test_password_reset_by_an_admin_ends_the_sessions(app, client, auth, make_user):
    user, password = make_user(email="anne@example.org")
    anne = signed_in(app, "anne@example.org", password)
    thief = copied_session(app, anne)
    auth.login(role="admin", email="chef@example.org")
    assert admin_post(client, action="reset", user_id=user.id).status_code == 200
    assert thief.get("/moderation/").status_code == 302
    assert anne.get("/moderation/").status_code == 302


def test_deactivation_then_reactivation_does_not_revive_old_sessions(app, client, auth, make_user):
    user, password = make_user(email="anne@example.org")
    anne = signed_in(app, "anne@example.org", password)
    thief = copied_session(app, anne)
    auth.login(role="admin", email="chef@example.org")
    admin_post(client, action="deactivate", user_id=user.id)
    admin_post(client, action="activate", user_id=user.id)
    assert thief.get("/moderation/").status_code == 302
    assert anne.get("/moderation/").status_code == 302
    # She signs in again with her password, and works.
    response = anne.post("/connexion", data={"email": "anne@example.org", "password": password,
                                             "csrf_token": csrf_token(anne, "/connexion")})
    assert response.status_code == 302 and anne.get("/moderation/").status_code == 200


def test_password_change_from_the_command_line_ends_the_sessions(app, client, auth, runner):
    auth.login(role="moderator", email="anne@example.org")
    thief = copied_session(app, client)
    result = runner.invoke(args=["create-user", "anne@example.org", "--role", "moderator",
                                 "--password", "un autre mot de passe"])
    assert result.exit_code == 0, result.output
    assert thief.get("/moderation/").status_code == 302


def test_a_stranger_cannot_lock_the_owner_out_behind_a_proxy(make_app):
    """MASTERCLASS_PROXY_COUNT=1: wrong passwords from one address throttle that address for
    that account, not the owner signing in from another address."""
    app = make_app(RATELIMIT_ENABLED=True, PROXY_COUNT=1)
    with app.app_context():
        from masterclass.accounts.services import create_or_update_user
        create_or_update_user("anne@example.org", "moderator", "mot de passe sûr")

    def attempt(client, address, password, email="anne@example.org"):
        return client.post("/connexion", headers={"X-Forwarded-For": address}, data={
            "email": email, "password": password, "csrf_token": csrf_token(client, "/connexion")})

    stranger, owner = app.test_client(), app.test_client()
    statuses = [attempt(stranger, "203.0.113.5", "faux").status_code for _ in range(8)]
    assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}
    # The stranger stays throttled for that account, even with the right password...
    assert attempt(stranger, "203.0.113.5", "mot de passe sûr").status_code == 429
    # ...while the owner, from her own address, gets in.
    response = attempt(owner, "198.51.100.7", "mot de passe sûr")
    assert response.status_code == 302 and owner.get("/moderation/").status_code == 200
    # One address guessing many accounts is throttled as a whole.
    spray = [attempt(app.test_client(), "192.0.2.9", "faux", email=f"n{i}@example.org").status_code
             for i in range(31)]
    assert spray[:30] == [401] * 30 and spray[30] == 429
