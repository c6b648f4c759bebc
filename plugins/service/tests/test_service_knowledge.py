"""The knowledge base: published articles are suggested on a ticket's page by the words they share."""


def test_published_articles_closest_to_the_ticket_are_suggested_drafts_and_linked_ones_are_not(records, client_as):
    vat = records.create("kb_article", {"title": "Why is the VAT rate on my invoice wrong?", "category": "billing",
                                        "keywords": "invoice vat tax rate", "body": "Check the billing country."})
    records.transition("kb_article", vat.id, "publish")
    parcel = records.create("kb_article", {"title": "Where is my parcel?", "category": "orders",
                                           "body": "Track the delivery from your order page."})
    records.transition("kb_article", parcel.id, "publish")
    records.create("kb_article", {"title": "Invoice VAT draft notes", "keywords": "invoice vat"})  # a draft
    ticket = records.create("ticket", {"subject": "Invoice shows the wrong VAT",
                                       "description": "The rate on invoice 1042 is 20% instead of 9%"})
    page = client_as("support_agent").get(f"/app/ticket/{ticket.id}").get_data(as_text=True)
    section = page.split('id="kb-suggestions"', 1)[1].split("</section>", 1)[0]
    assert "Why is the VAT rate on my invoice wrong?" in section
    assert "Where is my parcel?" not in section and "draft notes" not in section
    records.update("ticket", ticket.id, {"articles": [vat.id]})
    page = client_as("support_agent").get(f"/app/ticket/{ticket.id}").get_data(as_text=True)
    assert 'id="kb-suggestions"' not in page  # the one close article is linked already


def test_suggestions_rank_by_shared_rare_words_in_any_script():
    from trellis_plugins.service.knowledge import suggest

    articles = [{"title": "Доставка задерживается", "body": "Сроки доставки и отслеживание"},
                {"title": "Смена пароля", "body": "Как сменить пароль"},
                {"title": "Общие вопросы", "body": "доставка оплата пароль"}]
    ranked = [article["title"] for _, article in suggest("Где моя доставка? Задерживается уже неделю", articles)]
    assert ranked == ["Доставка задерживается", "Общие вопросы"]
    assert suggest("", articles) == [] and suggest("xyz", []) == []
