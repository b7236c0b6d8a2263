"""The dashboard's "film ideas by e-mail" form, shown after a recommendation.

:class:`SubscribeForm` is driven and inspected without a browser: set ``email``,
``frequency`` and ``consent`` values, call :meth:`SubscribeForm.submit`, read the
returned outcome and ``message.value`` (a French sentence, the visitor's text escaped).
It takes a callable returning the visit's liked IMDb ids, saved with the subscription.
The consent box is unticked by default and its text says what is stored and why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from email.message import EmailMessage

import ipywidgets as widgets

from helpers.app.fragments import esc, message_html
from helpers.app.mail import Identity, send_confirmation, send_now
from helpers.app.subscriptions import CONSENT_TEXT, SubscriptionError, SubscriptionStore
from helpers.errors import CineError

#: Submissions accepted from one page (one visitor's kernel): a form is no mail cannon.
MAX_SUBMISSIONS = 5
TITLE = "Recevez d'autres idées de films par e-mail"

_MESSAGES: dict[str, tuple[str, str]] = {
    "created": ("ok", "C'est presque fini : nous venons d'envoyer un e-mail à {email}. "
                      "Ouvrez le lien qu'il contient pour confirmer votre inscription "
                      "(sans confirmation, nous ne vous écrirons pas)."),
    "resent": ("ok", "Cette adresse est déjà connue : nous venons de lui envoyer un nouvel "
                     "e-mail de confirmation, rien n'est enregistré en double. Vos nouveaux "
                     "choix comptent dès que vous ouvrez son lien."),
    "too_soon": ("info", "Un e-mail de confirmation vient déjà d'être envoyé à {email}. "
                         "Regardez dans votre boîte de réception (et dans les indésirables), "
                         "ou réessayez dans quelques minutes."),
    "send_failed": ("error", "Nous n'avons pas pu envoyer l'e-mail de confirmation pour "
                             "l'instant, et rien n'a été enregistré. Réessayez dans quelques "
                             "minutes."),
    "no_consent": ("warn", "Cochez la case « J'accepte » pour que nous puissions vous écrire."),
    "too_many": ("warn", "Trop de demandes depuis cette page : rechargez-la pour recommencer."),
    "unavailable": ("error", "L'inscription est momentanément indisponible. Réessayez plus "
                             "tard ; vos recommandations restent affichées."),
}


class SubscribeForm:
    """Address, frequency, consent and a button; ``widget`` is what the dashboard shows.

    Args:
        store: the subscriptions database.
        liked_ids: returns the IMDb ids of the films liked during this visit.
        title_of: the display title of an IMDb id (named in the confirmation e-mail).
        send: delivers a message (default: the configured SMTP relay).
        identity: sender and link base (default: from the configuration).
    """

    def __init__(self, store: SubscriptionStore, liked_ids: Callable[[], Sequence[str]], *,
                 title_of: Callable[[str], str | None] | None = None,
                 send: Callable[[EmailMessage], None] = send_now,
                 identity: Identity | None = None) -> None:
        self.store, self.liked_ids, self.title_of = store, liked_ids, title_of
        self.send, self.identity = send, identity
        self.submissions = 0
        self.email = widgets.Text(placeholder="prenom.nom@exemple.fr",
                                  description="Votre adresse e-mail",
                                  style={"description_width": "initial"},
                                  layout=widgets.Layout(width="min(100%, 420px)"))
        self.frequency = widgets.RadioButtons(
            options=[("Chaque semaine", "weekly"), ("Chaque mois", "monthly")], value="weekly",
            description="Fréquence", style={"description_width": "initial"})
        self.consent = widgets.Checkbox(value=False, description="J'accepte", indent=False)
        self.button = widgets.Button(description="M'inscrire", button_style="primary",
                                     tooltip="Recevoir des idées de films par e-mail")
        self.button.on_click(lambda _: self.submit())
        self.message = widgets.HTML()
        for widget, css in ((self.email, "mail-email"), (self.frequency, "mail-frequency"),
                            (self.consent, "mail-consent"), (self.button, "mail-submit"),
                            (self.message, "mail-message")):
            widget.add_class(css)
        self.widget = widgets.VBox([
            widgets.HTML(f'<h2 class="cc-h2">{esc(TITLE)}</h2>'),
            self.email, self.frequency,
            widgets.HTML(f'<p class="cc-hint">{esc(CONSENT_TEXT)}</p>'),  # read, then ticked
            self.consent,
            self.button, self.message])
        self.widget.add_class("cc-panel")
        self.widget.add_class("mail-form")

    def _say(self, outcome: str, text: str | None = None, kind: str = "warn") -> str:
        if text is None:
            kind, text = _MESSAGES[outcome]
            shown = self.email.value.strip()
            text = esc(text).replace("{email}", f"«\u00a0{esc(shown[:80])}\u00a0»")
        else:
            text = esc(text)
        self.message.value = message_html(kind, text)
        return outcome

    def submit(self) -> str:
        """Subscribe with the current values and show the outcome; returns its code:
        created, resent, too_soon, send_failed, invalid, no_consent, too_many, unavailable."""
        self.submissions += 1
        if self.submissions > MAX_SUBMISSIONS:
            return self._say("too_many")
        if not self.consent.value:
            return self._say("no_consent")
        liked = list(self.liked_ids())
        try:
            result = self.store.subscribe(self.email.value, self.frequency.value, liked,
                                          consent=True)
        except SubscriptionError as exc:
            return self._say("invalid", exc.french)
        except CineError:
            return self._say("unavailable")
        titles = [t for t in map(self.title_of, liked) if t] if self.title_of else []
        outcome = send_confirmation(self.store, result, self.frequency.value, titles,
                                    self.identity, send=self.send)
        return self._say(outcome)
