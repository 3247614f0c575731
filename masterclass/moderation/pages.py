"""Pages the moderation views share: the séance's edit page (its fiches section for htmx)."""

from .. import audit
from ..fiches.forms import ACCEPT, FicheForm
from ..htmx import render
from ..seances import services as seance_services
from .forms import SeanceForm


def edit_page(seance, form=None, fiche_form=None, status=200, fiche_message=None, message_kind="error",
              stale=None, summary_preview=None):
    """The séance's moderation page; htmx asks for the fiches section alone."""
    def page_context() -> dict:
        seance_form = form
        if seance_form is None:
            seance_form = SeanceForm(formdata=None)
            seance_form.fill_from(seance)
        return {"form": seance_form, "themes": seance_services.all_themes(), "stale": stale,
                "summary_preview": summary_preview, "audit": audit.trail(seance.id)}

    return render("moderation/seance_form.html", "moderation/_fiches.html", status=status,
                  page_context=page_context, seance=seance,
                  fiche_form=fiche_form or FicheForm(formdata=None), fiche_message=fiche_message,
                  message_kind=message_kind, accept=ACCEPT)
