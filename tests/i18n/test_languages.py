"""Each person reads Loomworks in their language: their own choice, else their browser's."""

import re

import pytest
from django.core import mail
from django.test import Client

from loomworks.accounts.models import User
from loomworks.accounts.services import token_issue, user_language_set
from loomworks.core.actors import Actor
from loomworks.core.errors import InvalidInput
from loomworks.events.api import drain
from loomworks.partners import services as partners
from loomworks.production import services as production
from loomworks.work import states as task_states
from tests.factories import MemberFactory, PartnerFactory, TemplateFactory

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"  # French puts a no-break space before : ; ? !


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def flashes(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# ---------------------------------------------------------------- which language


def test_a_french_partner_sees_the_run_page_in_french(portal, workshop, make_run, speaks):
    speaks(workshop.user, "fr")
    run = make_run("sent_to_partner", partner=workshop.partner)

    html = page(portal.get(f"/partner/production-runs/{run.pk}/"))
    assert '<html lang="fr">' in html
    for french in ("Mes séries", "Étape suivante", "Accepter la série", "Refuser", "Chronologie"):
        assert french in html, french
    for english in ("My runs", "Next step", "Accept run", "Timeline"):
        assert english not in html, english


def test_a_french_partner_sees_their_runs_list_and_notices_in_french(
    portal, workshop, make_run, speaks
):
    speaks(workshop.user, "fr")
    make_run("sent_to_partner", partner=workshop.partner)

    assert "Travail en cours" in page(portal.get("/partner/"))
    notices = page(portal.get("/partner/notifications/"))
    assert "Alertes" in notices and "Langue" in notices


def test_without_a_choice_the_browser_language_is_used(client):
    assert "Iniciar sessão" in page(client.get("/login", HTTP_ACCEPT_LANGUAGE="pt-PT,pt;q=0.9"))
    assert "Se connecter" in page(client.get("/login", HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.8"))
    # A language Loomworks does not speak falls back to English.
    assert "Log in" in page(client.get("/login", HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9"))


def test_the_persons_choice_beats_the_browser(portal, workshop, make_run, speaks):
    speaks(workshop.user, "pt")
    html = page(portal.get("/partner/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Os meus lotes" in html and "Mes séries" not in html


def test_a_person_without_a_choice_follows_their_browser(portal, workshop):
    assert "Mes séries" in page(portal.get("/partner/", HTTP_ACCEPT_LANGUAGE="fr"))
    assert "My runs" in page(portal.get("/partner/"))


def test_a_request_in_french_leaves_the_next_one_in_english(portal, workshop, speaks):
    speaks(workshop.user, "fr")
    page(portal.get("/partner/"))
    assert "Log in" in page(Client().get("/login"))


# ---------------------------------------------------------------- refusals


def test_a_refusal_reaches_a_french_partner_in_french(portal, workshop, make_run, speaks):
    speaks(workshop.user, "fr")
    run = make_run("sent_to_partner", partner=workshop.partner)

    response = portal.post(f"/partner/production-runs/{run.pk}/start", follow=True)
    assert flashes(response) == [
        f"Vous ne pouvez pas démarrer {run.reference}{NBSP}: son statut est "
        f"«{NBSP}Envoyée au partenaire{NBSP}» et il doit être «{NBSP}En cours{NBSP}»."
    ]


def test_a_state_refusal_names_the_action_and_status_in_french(portal, workshop, make_run, speaks):
    speaks(workshop.user, "fr")
    run = make_run("sent_to_partner", partner=workshop.partner)
    production.run_accept(run=run, actor=workshop.actor)

    response = portal.post(f"/partner/production-runs/{run.pk}/complete", follow=True)
    [message] = flashes(response)
    assert message == f"Marquez {run.reference} comme finie avant de la clôturer."


def test_the_partner_api_answers_in_the_token_owners_language(client, workshop, make_run, speaks):
    speaks(workshop.user, "pt")
    run = make_run("sent_to_partner", partner=workshop.partner)
    token = token_issue(user=workshop.user)

    response = client.post(
        f"/api/partners/production-runs/{run.pk}/start",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"Não é possível iniciar {run.reference} enquanto está “Enviado ao parceiro”; "
        "tem de estar “Em curso”."
    )
    # The language was the request's only: the test's own thread is back in English.
    assert "Log in" in page(Client().get("/login"))


def test_a_task_refusal_is_translated(portal, workshop, make_run, speaks):
    speaks(workshop.user, "fr")
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    task = run.tasks.filter(parent__isnull=True).first()
    task_states.transition_task(task, "finish", actor=workshop.actor)

    refusal = page(portal.post(f"/partner/tasks/{task.pk}/accept", follow=True))
    assert (
        f"Vous ne pouvez pas accepter «{NBSP}{task.title}{NBSP}»{NBSP}: elle est déjà clôturée."
        in refusal
    )


# ---------------------------------------------------------------- e-mails


def test_an_invitation_to_a_portuguese_member_is_in_portuguese():
    partners.member_add(
        partner=PartnerFactory(name="Atelier Porto"),
        actor=Actor.system(),
        email="rui@porto.test",
        first_name="Rui",
        language="pt",
    )
    drain()

    [message] = mail.outbox
    assert message.subject == "Convite para usar o Loomworks com Atelier Porto"
    assert "Olá Rui," in message.body
    assert "A ligação só funciona uma vez, durante 3 dias." in message.body
    [(html, _type)] = message.alternatives
    assert '<html lang="pt">' in html
    assert "Definir a minha palavra-passe" in html


def test_work_sent_to_a_portuguese_member_is_announced_in_portuguese(make_run, admin, speaks):
    member = MemberFactory(partner=PartnerFactory(name="Atelier Porto"))
    speaks(member.user, "pt")
    run = make_run("approved", partner=member.partner)
    production.run_dispatch(run=run, template_ids=[TemplateFactory().pk], actor=admin)
    drain()

    [message] = mail.outbox
    assert message.subject.startswith(f"Novo trabalho para Atelier Porto: {run.reference}")
    assert "Aceite-o ou recuse-o." in message.body
    assert "Abrir o lote no portal de parceiros:" in message.body


def test_a_password_reset_email_follows_the_persons_language(client, speaks):
    user = speaks(MemberFactory().user, "fr")
    client.post("/password-reset", {"email": user.email})

    [message] = mail.outbox
    assert message.subject == "Choisissez un nouveau mot de passe pour Loomworks"
    assert f"Le lien ne fonctionne qu'une fois, pendant 3{NBSP}jours" not in message.body
    assert "Le lien ne fonctionne qu'une fois, pendant 3 jours." in message.body


# ---------------------------------------------------------------- the picker


def test_a_partner_chooses_french_on_the_notices_page(portal, workshop):
    html = page(portal.get("/partner/notifications/"))
    assert 'action="/language"' in html
    assert '<option value="fr" lang="fr">Français</option>' in html

    response = portal.post(
        "/language", {"language": "fr", "next": "/partner/notifications/"}, follow=True
    )
    assert response.redirect_chain == [("/partner/notifications/", 302)]
    assert flashes(response) == ["Loomworks vous parle désormais en français."]
    workshop.user.refresh_from_db()
    assert workshop.user.language == "fr"
    assert '<option value="fr" lang="fr" selected>' in page(response)


def test_choosing_the_browser_again_clears_the_choice(portal, workshop, speaks):
    speaks(workshop.user, "fr")
    portal.post("/language", {"language": "", "next": "/partner/"})
    workshop.user.refresh_from_db()
    assert workshop.user.language == ""
    assert "My runs" in page(portal.get("/partner/"))


def test_an_unknown_language_is_refused_and_nothing_changes(portal, workshop):
    response = portal.post("/language", {"language": "de", "next": "/partner/"}, follow=True)
    assert flashes(response) == ["Choose one of the languages in the list."]
    workshop.user.refresh_from_db()
    assert workshop.user.language == ""


def test_the_picker_only_goes_back_to_this_site(portal):
    response = portal.post("/language", {"language": "pt", "next": "https://evil.test/"})
    assert response.url == "/partner/"


def test_an_admin_chooses_portuguese_in_the_console_user_menu(admin_user):
    console = Client()
    console.force_login(admin_user)
    html = page(console.get("/admin/"))
    assert 'class="user-menu"' in html and 'action="/language"' in html

    console.post("/language", {"language": "pt", "next": "/admin/"})
    html = page(console.get("/admin/"))
    assert "Painel" in html and "Lotes de produção" in html
    admin_user.refresh_from_db()
    assert admin_user.language == "pt"


def test_before_logging_in_the_choice_is_kept_in_a_cookie(client):
    response = client.post("/language", {"language": "fr", "next": "/login"}, follow=True)
    assert "Se connecter" in page(response)
    assert client.cookies["django_language"].value == "fr"
    assert "Mot de passe oublié" in page(client.get("/login"))


def test_the_language_service_refuses_a_language_it_does_not_know(workshop):
    with pytest.raises(InvalidInput) as refused:
        user_language_set(user=workshop.user, actor=Actor.system(), language="klingon")
    assert refused.value.field == "language"
    assert User.objects.get(pk=workshop.user.pk).language == ""


def test_the_invitation_page_speaks_the_invited_persons_language(client):
    partners.member_add(
        partner=PartnerFactory(), actor=Actor.system(), email="lea@example.test", language="fr"
    )
    drain()
    [path] = re.findall(r"http://testserver(/invite/\S+/)", mail.outbox[0].body)

    form = page(client.get(client.get(path).url))
    assert "Choisissez votre mot de passe" in form
    refused = page(
        client.post(
            client.get(path).url,
            {"new_password1": "loom-and-shuttle-42", "new_password2": "something-else-42"},
        )
    )
    assert "Les deux mots de passe ne sont pas identiques." in refused
    # A broken link says nothing about whose it is: the browser's language.
    assert "This link no longer works" in page(client.get("/invite/MQ/nope/", follow=True))


def test_french_tells_uploading_apart_from_sending(portal, workshop, make_run, speaks):
    speaks(workshop.user, "fr")
    run = make_run("in_progress", partner=workshop.partner, actor=workshop.actor)
    html = page(portal.get(f"/partner/production-runs/{run.pk}/"))
    photos = html[html.index('id="photos"') :]
    photos = photos[: photos.index("</section>")]
    assert ">Téléverser</button>" in photos and "Envoyer" not in photos
    comment_form = html[html.index('class="comment-form"') :]
    assert ">Envoyer</button>" in comment_form[: comment_form.index("</form>")]


def test_dates_in_an_email_follow_the_recipients_language(make_run, admin, speaks):
    import datetime

    member = MemberFactory(partner=PartnerFactory(name="Atelier Lyon"))
    speaks(member.user, "fr")
    run = make_run("approved", partner=member.partner, due_date=datetime.date(2031, 12, 8))
    production.run_dispatch(run=run, template_ids=[TemplateFactory().pk], actor=admin)
    drain()

    [message] = mail.outbox
    assert "8 décembre 2031" in message.body and "December" not in message.body


@pytest.mark.parametrize(
    ("language", "written"), [("en", "8 Dec 2031"), ("fr", "8 déc. 2031"), ("pt", "8 dez. 2031")]
)
def test_months_are_lower_case_mid_sentence_in_french_and_portuguese(
    portal, workshop, make_run, speaks, language, written
):
    import datetime

    speaks(workshop.user, language)
    run = make_run("sent_to_partner", partner=workshop.partner, due_date=datetime.date(2031, 12, 8))
    html = page(portal.get(f"/partner/production-runs/{run.pk}/"))
    assert written in html
    assert "Déc" not in html and "Dez" not in html


def test_a_workshop_reads_its_own_words_for_where_a_run_stands(portal, workshop, make_run, speaks):
    speaks(workshop.user, "fr")
    make_run("sent_to_partner", partner=workshop.partner)
    html = page(portal.get("/partner/"))
    assert "En attente de votre réponse" in html
    assert "Envoyée au partenaire" not in html


def test_old_notices_are_read_in_the_language_chosen_since(
    portal, workshop, make_run, admin, admin_user, speaks
):
    from django.test import Client

    from loomworks.core.actors import Actor
    from tests.factories import AdminFactory

    run = make_run("approved", partner=workshop.partner)
    production.run_dispatch(run=run, template_ids=[TemplateFactory().pk], actor=admin)
    drain()
    production.run_accept(run=run, actor=workshop.actor)
    drain()
    production.run_cancel(run=run, actor=Actor.admin(AdminFactory()), reason="Tissu rappelé")
    drain()

    # Made in English; the admin and the workshop then choose French and Portuguese.
    speaks(admin_user, "fr")
    console = Client()
    console.force_login(admin_user)
    feed = page(console.get("/admin/notifications/"))
    assert f"a accepté {run.reference}" in feed and "accepted" not in feed

    speaks(workshop.user, "pt")
    notices = page(portal.get("/partner/notifications/"))
    assert f"A marca cancelou o lote {run.reference}" in notices
    assert "The brand cancelled" not in notices


def test_a_decline_in_the_history_is_read_in_the_readers_language(
    make_run, workshop, admin_user, speaks
):
    from django.test import Client

    run = make_run("sent_to_partner", partner=workshop.partner)
    production.run_decline(run=run, actor=workshop.actor, reason="capacity", notes="Mai complet")
    speaks(admin_user, "fr")
    console = Client()
    console.force_login(admin_user)
    html = page(console.get(f"/admin/production-runs/{run.pk}/"))
    assert "Pas de capacité disponible: Mai complet" in html
    assert "No capacity" not in html


# ---------------------------------------------------------------- Hindi


def test_a_hindi_partner_sees_the_run_page_in_hindi(portal, workshop, make_run, speaks):
    speaks(workshop.user, "hi")
    run = make_run("sent_to_partner", partner=workshop.partner)

    html = page(portal.get(f"/partner/production-runs/{run.pk}/"))
    assert '<html lang="hi">' in html
    for hindi in ("मेरे बैच", "अगला कदम", "बैच स्वीकार करें", "मना करें", "टाइमलाइन"):
        assert hindi in html, hindi
    for english in ("My runs", "Next step", "Accept run", "Timeline"):
        assert english not in html, english


def test_the_browser_may_ask_for_hindi(client):
    assert "लॉग इन करें" in page(client.get("/login", HTTP_ACCEPT_LANGUAGE="hi-IN,hi;q=0.9"))


def test_hindi_is_offered_under_its_own_name_and_answers_in_hindi(portal, workshop):
    html = page(portal.get("/partner/notifications/"))
    assert '<option value="hi" lang="hi">हिंदी</option>' in html

    response = portal.post(
        "/language", {"language": "hi", "next": "/partner/notifications/"}, follow=True
    )
    assert flashes(response) == ["अब Loomworks आपसे हिंदी में बात करेगा।"]
    workshop.user.refresh_from_db()
    assert workshop.user.language == "hi"


def test_an_invitation_to_a_hindi_member_is_in_hindi():
    partners.member_add(
        partner=PartnerFactory(name="Jaipur Prints"),
        actor=Actor.system(),
        email="meena@jaipur.test",
        first_name="Meena",
        language="hi",
    )
    drain()

    [message] = mail.outbox
    assert message.subject == "आपको Jaipur Prints की ओर से Loomworks पर बुलाया गया है"
    assert "नमस्ते Meena," in message.body
    [(html, _type)] = message.alternatives
    assert '<html lang="hi">' in html
    assert "मेरा पासवर्ड बनाएँ" in html


def test_work_sent_to_a_hindi_member_is_announced_in_hindi(make_run, admin, speaks):
    member = MemberFactory(partner=PartnerFactory(name="Jaipur Prints"))
    speaks(member.user, "hi")
    run = make_run("approved", partner=member.partner)
    production.run_dispatch(run=run, template_ids=[TemplateFactory().pk], actor=admin)
    drain()

    [message] = mail.outbox
    assert message.subject.startswith(f"Jaipur Prints के लिए नया काम: {run.reference}")
    assert "कृपया इसे स्वीकार करें या मना करें।" in message.body
    assert "बैच पार्टनर पोर्टल में खोलें:" in message.body


def test_a_refusal_reaches_a_hindi_partner_in_hindi(portal, workshop, make_run, speaks):
    speaks(workshop.user, "hi")
    run = make_run("sent_to_partner", partner=workshop.partner)

    response = portal.post(f"/partner/production-runs/{run.pk}/start", follow=True)
    assert flashes(response) == [
        f"{run.reference} अभी पार्टनर को भेजा गया है, इसलिए यह नहीं हो सकता: शुरू करना। "
        "इसके लिए इसे “काम चल रहा है” होना चाहिए।"
    ]
