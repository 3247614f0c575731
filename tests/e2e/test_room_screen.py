"""The projector screen: readable from the back of the room, never scrolling, never cutting a line."""

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from masterclass.extensions import db
from masterclass.models import Question, Seance
from masterclass.questions.desk import set_status, toggle_pin

from .room import wait_for_polls

pytestmark = pytest.mark.e2e

LONG = ("Pourquoi les dossiers de demande de logement social déposés par les familles du quartier "
        "attendent-ils souvent plus de deux ans alors que des logements restent vides dans les "
        "résidences voisines, et qui peut nous expliquer comment la commission fait ses choix ? ")


def screen(browser, url, size):
    page = browser.new_context(viewport=size, locale="fr-FR").new_page()
    page.goto(url + "/ecran")
    page.wait_for_function("document.querySelector('#screen-live[data-fitted]')")
    return page


FITS = """() => {
        const doc = document.documentElement;
        const h = window.innerHeight, w = window.innerWidth;
        if (doc.scrollHeight > h || doc.scrollWidth > w) return 'page scrolls: ' + doc.scrollHeight + 'x' + doc.scrollWidth;
        for (const el of document.querySelectorAll('.screen-list li:not([hidden]), .screen-pinned')) {
            const r = el.getBoundingClientRect();
            if (r.bottom > h + 0.5 || r.right > w + 0.5) return 'cut: ' + el.textContent.slice(0, 40);
            if (el.scrollHeight > el.clientHeight + 1) return 'clipped inside: ' + el.textContent.slice(0, 40);
        }
        return 'ok';
    }"""


def fits(page):
    """Nothing scrolls and no shown item is cut at the bottom or the right."""
    return page.evaluate(FITS)


def fits_once_refitted(page, timeout=5_000):
    """After a live update the screen refits itself: wait for it (as a person looking at the
    screen would), then say what is wrong if it never fits."""
    try:
        page.wait_for_function(f"({FITS})() === 'ok'", timeout=timeout)
    except Exception:  # noqa: S110  (the assertion below says why)
        pass
    return fits(page)


def shown(page):
    return page.locator(".screen-list li:not([hidden])")


@pytest.mark.parametrize("size", [{"width": 1920, "height": 1080}, {"width": 1280, "height": 720}])
def test_many_long_questions_fit_the_screen(browser, room, make_question, size):
    seance = db.session.get(Seance, room.id)
    for n in range(14):
        make_question(seance, body=f"{n + 1}. {LONG[: 120 + 25 * n]}", votes_count=20 - n)
    make_question(seance, body="Et pour les étudiants ? " + LONG, pinned=True)
    make_question(seance, body="Une question déjà répondue, à ne plus montrer", status="answered", votes_count=99)
    page = screen(browser, room.url, size)
    assert fits(page) == "ok"
    expect(page.locator(".screen-pinned-body")).to_contain_text("Et pour les étudiants ?")
    expect(page.locator(".screen-list")).not_to_contain_text("déjà répondue")
    visible = shown(page).count()
    total = 16  # 14 long ones + the room fixture's 2
    assert 1 <= visible < total
    expect(page.locator(".screen-more")).to_have_text(f"+ {total - visible} autres questions")


def test_a_new_question_gets_on_the_screen_and_an_answered_one_leaves(browser, room, make_question):
    seance = db.session.get(Seance, room.id)
    for n in range(12):
        make_question(seance, body=f"Question ancienne numéro {n + 1}, déjà soutenue par la salle", votes_count=30 - n)
    page = screen(browser, room.url, {"width": 1280, "height": 720})
    wait_for_polls(page, 1, path="/ecran")

    fresh = make_question(seance, body="Une toute nouvelle question, sans vote encore", status="pending")
    set_status(fresh.id, "approved", user_id=None)
    expect(page.locator(".screen-list li:not([hidden])", has_text="toute nouvelle question")).to_be_visible(
        timeout=8_000)
    assert fits_once_refitted(page) == "ok"

    top = db.session.scalar(select(Question.id).where(Question.body.like("%numéro 1,%")))
    toggle_pin(top, user_id=None)
    expect(page.locator(".screen-pinned-body")).to_contain_text("numéro 1,", timeout=8_000)
    set_status(top, "answered", user_id=None)
    expect(page.locator(".screen-pinned")).to_have_count(0, timeout=8_000)
    expect(page.locator(".screen-list")).not_to_contain_text("numéro 1,")
    assert fits_once_refitted(page) == "ok"
