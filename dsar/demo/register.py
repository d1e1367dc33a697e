"""The demo processing register (Art. 30): one activity per activity code of the data map.

`seed_register()` writes a realistic register for a Dutch bank and insurer that serves
its customers over WhatsApp and SMS, for the demo data that `dsar.demo.seed()` creates. Every
activity code the data map (`settings.DSAR_DATAMAP_PATH`) uses gets its activity, plus
"complaints", which has no table in the demo database.

The register is the organisation's own text, written per language: every text below is a
dict {language: text} for English, Dutch, Swedish and Russian (`dsar/translation.py` gives
each a column per language). Proper names (the bank, Meta, the tax office) stay as they are.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction

from dsar import datamap, register
from dsar.models import ProcessingActivity, Recipient

LB = ProcessingActivity.LegalBasis
TRIGGER = ProcessingActivity.RetentionTrigger
KIND = Recipient.Kind
SAFEGUARD = Recipient.Safeguard
LANGUAGES = ("en", "nl", "sv", "ru")

_CONTROLLER = {
    "controller": "Voorbeeld Bank N.V.",
    "controller_contact": {
        "en": (
            "Voorbeeld Bank N.V., Postbus 1234, 1000 AB Amsterdam, the Netherlands; "
            "privacy@voorbeeldbank.example; +31 20 123 4567"
        ),
        "nl": (
            "Voorbeeld Bank N.V., Postbus 1234, 1000 AB Amsterdam, Nederland; "
            "privacy@voorbeeldbank.example; +31 20 123 4567"
        ),
        "sv": (
            "Voorbeeld Bank N.V., Postbus 1234, 1000 AB Amsterdam, Nederländerna; "
            "privacy@voorbeeldbank.example; +31 20 123 4567"
        ),
        "ru": (
            "Voorbeeld Bank N.V., Postbus 1234, 1000 AB Amsterdam, Нидерланды; "
            "privacy@voorbeeldbank.example; +31 20 123 4567"
        ),
    },
    "joint_controller": "",
    "representative": "",
    "dpo_contact": {
        "en": (
            "Data protection officer (functionaris gegevensbescherming), Postbus 1234, "
            "1000 AB Amsterdam; fg@voorbeeldbank.example"
        ),
        "nl": (
            "Functionaris gegevensbescherming, Postbus 1234, 1000 AB Amsterdam; "
            "fg@voorbeeldbank.example"
        ),
        "sv": (
            "Dataskyddsombud (functionaris gegevensbescherming), Postbus 1234, "
            "1000 AB Amsterdam; fg@voorbeeldbank.example"
        ),
        "ru": (
            "Ответственный за защиту данных (functionaris gegevensbescherming), Postbus 1234, "
            "1000 AB Amsterdam; fg@voorbeeldbank.example"
        ),
    },
}
_SECURITY = {
    "en": (
        "Access by role only (customer-service agents, supervisors, the privacy team), single "
        "sign-on with two-factor authentication; encryption in transit (TLS 1.2+) and at rest "
        "(AES-256); access logging with monthly review; data processing agreements with every "
        "processor (Art. 28); yearly penetration test; agents trained not to ask for or share "
        "sensitive data over WhatsApp or SMS."
    ),
    "nl": (
        "Toegang alleen op basis van functie (klantenservicemedewerkers, teamleiders, het "
        "privacyteam), eenmalige aanmelding (single sign-on) met tweestapsverificatie; "
        "versleuteling tijdens verzending (TLS 1.2 of hoger) en bij opslag (AES-256); elke "
        "toegang wordt gelogd en de logs worden maandelijks gecontroleerd; "
        "verwerkersovereenkomsten met elke verwerker (art. 28 AVG); jaarlijkse penetratietest; "
        "medewerkers zijn getraind om via WhatsApp of sms niet naar gevoelige gegevens te "
        "vragen en die ook niet te delen."
    ),
    "sv": (
        "Åtkomst endast utifrån roll (kundtjänstmedarbetare, teamledare, dataskyddsteamet), "
        "enkel inloggning (single sign-on) med tvåfaktorsautentisering; kryptering vid "
        "överföring (TLS 1.2 eller senare) och vid lagring (AES-256); all åtkomst loggas och "
        "loggarna granskas varje månad; personuppgiftsbiträdesavtal med varje "
        "personuppgiftsbiträde (art. 28 i dataskyddsförordningen); årligt penetrationstest; "
        "medarbetarna är utbildade i att inte be om eller dela känsliga uppgifter via WhatsApp "
        "eller sms."
    ),
    "ru": (
        "Доступ только в соответствии с ролью (операторы службы поддержки, руководители групп, "
        "отдел по защите данных), единый вход (single sign-on) с двухфакторной "
        "аутентификацией; шифрование при передаче (TLS 1.2 и выше) и при хранении (AES-256); "
        "каждый доступ записывается в журнал, журналы проверяются ежемесячно; договоры об "
        "обработке данных с каждым обработчиком (ст. 28 GDPR); ежегодный тест на "
        "проникновение; сотрудники обучены не запрашивать и не передавать конфиденциальные "
        "данные через WhatsApp или SMS."
    ),
}
_NONE = {"en": "", "nl": "", "sv": "", "ru": ""}
_META = {
    "name": {
        "en": "Meta Platforms Ireland Ltd.",
        "nl": "Meta Platforms Ireland Ltd.",
        "sv": "Meta Platforms Ireland Ltd.",
        "ru": "Meta Platforms Ireland Ltd.",
    },
    "kind": KIND.PROCESSOR,
    "purpose": {
        "en": "WhatsApp Business Platform: carries WhatsApp messages between you and us",
        "nl": "WhatsApp Business Platform: brengt WhatsApp-berichten over tussen u en ons",
        "sv": "WhatsApp Business Platform: förmedlar WhatsApp-meddelanden mellan dig och oss",
        "ru": "WhatsApp Business Platform: передаёт сообщения WhatsApp между Вами и нами",
    },
    "country": "IE",
    "contact_email": "privacy-requests@meta.example",
    "safeguard": SAFEGUARD.NONE_NEEDED,
    "safeguard_detail": _NONE,
}
_SMS = {
    "name": {
        "en": "MessageBird B.V. (Bird)",
        "nl": "MessageBird B.V. (Bird)",
        "sv": "MessageBird B.V. (Bird)",
        "ru": "MessageBird B.V. (Bird)",
    },
    "kind": KIND.PROCESSOR,
    "purpose": {
        "en": "SMS gateway: sends and receives our text messages",
        "nl": "Sms-gateway: verstuurt en ontvangt onze sms-berichten",
        "sv": "Sms-gateway: skickar och tar emot våra sms",
        "ru": "SMS-шлюз: отправляет и принимает наши SMS-сообщения",
    },
    "country": "NL",
    "contact_email": "dpo@messagebird.example",
    "safeguard": SAFEGUARD.NONE_NEEDED,
    "safeguard_detail": _NONE,
}
_CRM = {
    "name": {
        "en": "Klantcontact Hosting B.V.",
        "nl": "Klantcontact Hosting B.V.",
        "sv": "Klantcontact Hosting B.V.",
        "ru": "Klantcontact Hosting B.V.",
    },
    "kind": KIND.PROCESSOR,
    "purpose": {
        "en": "Hosts the contact-centre platform where conversations are stored",
        "nl": "Host het klantcontactplatform waarin de gesprekken worden opgeslagen",
        "sv": "Driftar kundtjänstplattformen där konversationerna lagras",
        "ru": "Обеспечивает хостинг платформы контакт-центра, на которой хранятся диалоги",
    },
    "country": "NL",
    "contact_email": "privacy@klantcontact-hosting.example",
    "safeguard": SAFEGUARD.NONE_NEEDED,
    "safeguard_detail": _NONE,
}
_TAX_OFFICE = {
    "name": {
        "en": "Belastingdienst (Dutch Tax and Customs Administration)",
        "nl": "Belastingdienst",
        "sv": "Belastingdienst (Nederländernas skatteverk)",
        "ru": "Belastingdienst (Налоговая и таможенная служба Нидерландов)",
    },
    "kind": KIND.AUTHORITY,
    "purpose": {
        "en": "Receives bookkeeping records on request during a tax audit",
        "nl": "Ontvangt tijdens een belastingcontrole op verzoek gegevens uit de boekhouding",
        "sv": "Får på begäran uppgifter ur bokföringen vid en skatterevision",
        "ru": "Получает по запросу бухгалтерские записи в ходе налоговой проверки",
    },
    "country": "NL",
    "contact_email": "avg@belastingdienst.example",
    "safeguard": SAFEGUARD.NONE_NEEDED,
    "safeguard_detail": _NONE,
}
_AUDITOR = {
    "name": {
        "en": "Accountantskantoor Voorbeeld & Co",
        "nl": "Accountantskantoor Voorbeeld & Co",
        "sv": "Accountantskantoor Voorbeeld & Co",
        "ru": "Accountantskantoor Voorbeeld & Co",
    },
    "kind": KIND.CONTROLLER,
    "purpose": {
        "en": "Statutory auditor: checks the annual accounts",
        "nl": "Controlerend accountant (wettelijke controle): controleert de jaarrekening",
        "sv": "Revisor (lagstadgad revision): granskar årsredovisningen",
        "ru": "Аудитор (обязательный аудит): проверяет годовую отчётность",
    },
    "country": "NL",
    "contact_email": "privacy@accountant-voorbeeld.example",
    "safeguard": SAFEGUARD.NONE_NEEDED,
    "safeguard_detail": _NONE,
}
_LAWYERS = {
    "name": {
        "en": "Advocatenkantoor Voorbeeld",
        "nl": "Advocatenkantoor Voorbeeld",
        "sv": "Advocatenkantoor Voorbeeld",
        "ru": "Advocatenkantoor Voorbeeld",
    },
    "kind": KIND.PROCESSOR,
    "purpose": {
        "en": "Our lawyers: receive contract records only when a dispute arises",
        "nl": "Onze advocaten: ontvangen contractgegevens alleen als er een geschil ontstaat",
        "sv": "Våra advokater: får avtalsuppgifter endast om en tvist uppstår",
        "ru": "Наши адвокаты: получают данные договора только при возникновении спора",
    },
    "country": "NL",
    "contact_email": "privacy@advocaat-voorbeeld.example",
    "safeguard": SAFEGUARD.NONE_NEEDED,
    "safeguard_detail": _NONE,
}
_CUSTOMER_SOURCE = {
    "en": "You, when you became a customer (application form, branch or phone), and later changes you gave us.",
    "nl": (
        "U zelf, toen u klant werd (aanvraagformulier, kantoor of telefoon), en latere "
        "wijzigingen die u aan ons hebt doorgegeven."
    ),
    "sv": (
        "Du själv, när du blev kund (ansökningsblankett, kontor eller telefon), och senare "
        "ändringar som du har lämnat till oss."
    ),
    "ru": (
        "Вы сами, когда стали нашим клиентом (заявление, отделение или телефон), а также "
        "изменения, которые Вы сообщили нам позднее."
    ),
}

ACTIVITIES: dict[str, dict[str, Any]] = {
    "customer-service": {
        "name": {
            "en": "Customer service over WhatsApp, SMS and phone",
            "nl": "Klantenservice via WhatsApp, sms en telefoon",
            "sv": "Kundtjänst via WhatsApp, sms och telefon",
            "ru": "Обслуживание клиентов через WhatsApp, SMS и по телефону",
        },
        "purposes": {
            "en": (
                "Answering customers' questions and requests about their accounts, policies "
                "and claims; keeping the conversation history so that the next agent knows "
                "what was said; handling service requests such as changes of address."
            ),
            "nl": (
                "Vragen en verzoeken van klanten beantwoorden over hun rekeningen, polissen en "
                "schadeclaims; de gespreksgeschiedenis bewaren, zodat de volgende medewerker "
                "weet wat er is gezegd; serviceverzoeken afhandelen, zoals adreswijzigingen."
            ),
            "sv": (
                "Att besvara kunders frågor och önskemål om deras konton, försäkringar och "
                "skadeärenden; att spara konversationshistoriken så att nästa medarbetare vet "
                "vad som har sagts; att hantera serviceärenden som adressändringar."
            ),
            "ru": (
                "Ответы на вопросы и запросы клиентов об их счетах, страховых полисах и "
                "страховых случаях; хранение истории переписки, чтобы следующий сотрудник знал, "
                "о чём шла речь; выполнение сервисных запросов, например об изменении адреса."
            ),
        },
        "legal_basis": LB.CONTRACT,
        "legal_basis_detail": {
            "en": (
                "Needed to perform the account or insurance contract and to take steps at the "
                "customer's request before entering into one."
            ),
            "nl": (
                "Noodzakelijk voor de uitvoering van de rekening- of verzekeringsovereenkomst en "
                "om op verzoek van de klant maatregelen te nemen voordat zo'n overeenkomst wordt "
                "gesloten."
            ),
            "sv": (
                "Nödvändigt för att fullgöra konto- eller försäkringsavtalet och för att vidta "
                "åtgärder på kundens begäran innan ett sådant avtal ingås."
            ),
            "ru": (
                "Необходимо для исполнения договора банковского счёта или договора страхования, "
                "а также для принятия мер по запросу клиента до заключения такого договора."
            ),
        },
        "subject_categories": {
            "en": "Customers, former customers and people who contact us about a product",
            "nl": "Klanten, oud-klanten en mensen die contact met ons opnemen over een product",
            "sv": "Kunder, tidigare kunder och personer som kontaktar oss om en produkt",
            "ru": "Клиенты, бывшие клиенты и лица, обращающиеся к нам по поводу продукта",
        },
        "data_categories": ["contact", "communication", "technical"],
        "special_categories": {
            "en": (
                "Not asked for. Agents remove health data that customers send unprompted "
                "(e.g. about a claim) and move it to the claims file."
            ),
            "nl": (
                "Wordt niet gevraagd. Medewerkers verwijderen gezondheidsgegevens die klanten "
                "ongevraagd sturen (bijvoorbeeld over een schadeclaim) en plaatsen die in het "
                "schadedossier."
            ),
            "sv": (
                "Efterfrågas inte. Medarbetarna tar bort hälsouppgifter som kunder skickar utan "
                "att ha blivit ombedda (t.ex. om ett skadeärende) och flyttar dem till "
                "skadeakten."
            ),
            "ru": (
                "Не запрашиваются. Сотрудники удаляют сведения о здоровье, которые клиенты "
                "присылают по собственной инициативе (например, о страховом случае), и "
                "переносят их в дело по страховому случаю."
            ),
        },
        "retention_trigger": TRIGGER.LAST_CONTACT,
        "retention_months": 24,
        "retention_text": {
            "en": "Conversations, messages and the numbers you message us from: 24 months after your last contact with us.",
            "nl": (
                "Gesprekken, berichten en de nummers waarmee u ons berichten stuurt: 24 maanden "
                "na uw laatste contact met ons."
            ),
            "sv": (
                "Konversationer, meddelanden och de nummer som du skickar meddelanden till oss "
                "från: 24 månader efter din senaste kontakt med oss."
            ),
            "ru": (
                "Диалоги, сообщения и номера, с которых Вы нам пишете: 24 месяца после Вашего "
                "последнего контакта с нами."
            ),
        },
        "security_measures": _SECURITY,
        "source": {
            "en": (
                "You (messages, calls, forms); our agents (notes, topics); the messaging "
                "platforms (delivery statuses)."
            ),
            "nl": (
                "U zelf (berichten, telefoongesprekken, formulieren); onze medewerkers "
                "(notities, onderwerpen); de berichtenplatforms (afleverstatussen)."
            ),
            "sv": (
                "Du själv (meddelanden, samtal, formulär); våra medarbetare (anteckningar, "
                "ämnen); meddelandeplattformarna (leveransstatus)."
            ),
            "ru": (
                "Вы сами (сообщения, звонки, формы); наши сотрудники (заметки, темы обращений); "
                "платформы обмена сообщениями (статусы доставки)."
            ),
        },
        "automated_decisions": False,
        "automated_logic": _NONE,
        "systems": {
            "en": "Contact-centre platform (Klantcontact Hosting); CRM. Access: agents, supervisors.",
            "nl": "Klantcontactplatform (Klantcontact Hosting); CRM. Toegang: medewerkers, teamleiders.",
            "sv": "Kundtjänstplattform (Klantcontact Hosting); CRM-system. Åtkomst: medarbetare, teamledare.",
            "ru": "Платформа контакт-центра (Klantcontact Hosting); CRM-система. Доступ: операторы, руководители групп.",
        },
        "recipients": [_META, _SMS, _CRM],
    },
    "customer-administration": {
        "name": {
            "en": "Customer administration",
            "nl": "Klantenadministratie",
            "sv": "Kundadministration",
            "ru": "Учёт клиентов",
        },
        "purposes": {
            "en": (
                "Knowing who our customers are and how to reach them: name, contact details "
                "and date of birth for the products they hold."
            ),
            "nl": (
                "Weten wie onze klanten zijn en hoe wij hen kunnen bereiken: naam, "
                "contactgegevens en geboortedatum, voor de producten die zij bij ons hebben."
            ),
            "sv": (
                "Att veta vilka våra kunder är och hur vi når dem: namn, kontaktuppgifter och "
                "födelsedatum för de produkter de har hos oss."
            ),
            "ru": (
                "Знать, кто наши клиенты и как с ними связаться: имя, контактные данные и дата "
                "рождения для продуктов, которыми они у нас пользуются."
            ),
        },
        "legal_basis": LB.CONTRACT,
        "legal_basis_detail": {
            "en": "Needed to perform the account or insurance contract (Art. 6(1)(b)).",
            "nl": (
                "Noodzakelijk voor de uitvoering van de rekening- of verzekeringsovereenkomst "
                "(art. 6 lid 1 sub b AVG)."
            ),
            "sv": (
                "Nödvändigt för att fullgöra konto- eller försäkringsavtalet (art. 6.1 b i "
                "dataskyddsförordningen)."
            ),
            "ru": (
                "Необходимо для исполнения договора банковского счёта или договора страхования "
                "(ст. 6(1)(b) GDPR)."
            ),
        },
        "subject_categories": {
            "en": "Customers and former customers",
            "nl": "Klanten en oud-klanten",
            "sv": "Kunder och tidigare kunder",
            "ru": "Клиенты и бывшие клиенты",
        },
        "data_categories": ["identity", "contact", "technical"],
        "special_categories": _NONE,
        "retention_trigger": TRIGGER.CONTRACT_END,
        "retention_months": 12,
        "retention_text": {
            "en": "As long as the contract runs, then one more year for questions and final settlement.",
            "nl": "Zolang de overeenkomst loopt, daarna nog één jaar voor vragen en de eindafrekening.",
            "sv": "Så länge avtalet gäller, därefter ytterligare ett år för frågor och slutreglering.",
            "ru": (
                "Пока действует договор, а затем ещё один год для ответов на вопросы и "
                "окончательных расчётов."
            ),
        },
        "security_measures": _SECURITY,
        "source": _CUSTOMER_SOURCE,
        "automated_decisions": False,
        "automated_logic": _NONE,
        "systems": {
            "en": "CRM. Access: agents, supervisors, the back office.",
            "nl": "CRM. Toegang: medewerkers, teamleiders, de backoffice.",
            "sv": "CRM-system. Åtkomst: medarbetare, teamledare, backoffice.",
            "ru": "CRM-система. Доступ: операторы, руководители групп, бэк-офис.",
        },
        "recipients": [_CRM],
    },
    "legal-claims": {
        "name": {
            "en": "Contract records for legal claims",
            "nl": "Contractgegevens voor rechtsvorderingen",
            "sv": "Avtalsuppgifter för rättsliga anspråk",
            "ru": "Данные договора для правовых требований",
        },
        "purposes": {
            "en": (
                "Keeping the dates of a customer's contract so that we can establish or defend "
                "legal claims about it during the limitation period."
            ),
            "nl": (
                "De datums van de overeenkomst van een klant bewaren, zodat wij tijdens de "
                "verjaringstermijn rechtsvorderingen over die overeenkomst kunnen instellen of "
                "ons ertegen kunnen verweren."
            ),
            "sv": (
                "Att spara datumen för en kunds avtal så att vi under preskriptionstiden kan "
                "fastställa eller försvara rättsliga anspråk som gäller avtalet."
            ),
            "ru": (
                "Хранение дат договора клиента, чтобы в течение срока исковой давности мы могли "
                "предъявлять связанные с ним правовые требования или защищаться от них."
            ),
        },
        "legal_basis": LB.LEGITIMATE_INTERESTS,
        "legal_basis_detail": {
            "en": (
                "Our legitimate interest in establishing, exercising or defending legal claims; "
                "on erasure kept under Art. 17(3)(e) GDPR for the limitation period of "
                "Burgerlijk Wetboek 3:307 (5 years)."
            ),
            "nl": (
                "Ons gerechtvaardigd belang bij het instellen, uitoefenen of onderbouwen van "
                "rechtsvorderingen; bij een verzoek om verwijdering blijven deze gegevens bewaard "
                "op grond van art. 17 lid 3 sub e AVG gedurende de verjaringstermijn van art. "
                "3:307 Burgerlijk Wetboek (5 jaar)."
            ),
            "sv": (
                "Vårt berättigade intresse av att fastställa, göra gällande eller försvara "
                "rättsliga anspråk; vid en begäran om radering sparas uppgifterna enligt art. 17.3 "
                "e i dataskyddsförordningen (GDPR) under preskriptionstiden enligt Burgerlijk "
                "Wetboek 3:307 (5 år)."
            ),
            "ru": (
                "Наш законный интерес в предъявлении, осуществлении или защите правовых "
                "требований; при запросе на удаление эти данные сохраняются на основании ст. "
                "17(3)(e) GDPR в течение срока исковой давности по Burgerlijk Wetboek 3:307 (5 "
                "лет)."
            ),
        },
        "subject_categories": {
            "en": "Customers and former customers",
            "nl": "Klanten en oud-klanten",
            "sv": "Kunder och tidigare kunder",
            "ru": "Клиенты и бывшие клиенты",
        },
        "data_categories": ["contract"],
        "special_categories": _NONE,
        "retention_trigger": TRIGGER.CONTRACT_END,
        "retention_months": 60,
        "retention_text": {
            "en": "5 years after the contract ends (limitation period, BW 3:307).",
            "nl": "5 jaar na het einde van de overeenkomst (verjaringstermijn, art. 3:307 BW).",
            "sv": "5 år efter att avtalet har upphört (preskriptionstid, BW 3:307).",
            "ru": "5 лет после окончания договора (срок исковой давности, BW 3:307).",
        },
        "security_measures": _SECURITY,
        "source": _CUSTOMER_SOURCE,
        "automated_decisions": False,
        "automated_logic": _NONE,
        "systems": {
            "en": "CRM (contract dates). Access: the back office, legal department.",
            "nl": "CRM (contractdatums). Toegang: de backoffice, de juridische afdeling.",
            "sv": "CRM-system (avtalsdatum). Åtkomst: backoffice, juridiska avdelningen.",
            "ru": "CRM-система (даты договора). Доступ: бэк-офис, юридический отдел.",
        },
        "recipients": [_LAWYERS],
    },
    "bookkeeping": {
        "name": {
            "en": "Customer identification in the bookkeeping",
            "nl": "Klantidentificatie in de boekhouding",
            "sv": "Kundidentifiering i bokföringen",
            "ru": "Идентификация клиента в бухгалтерском учёте",
        },
        "purposes": {
            "en": (
                "Keeping the customer number and the date the customer relationship began, "
                "so that the payment records that tax law makes us keep still identify whose "
                "payments they were."
            ),
            "nl": (
                "Het klantnummer en de begindatum van de klantrelatie bewaren, zodat uit de "
                "betalingsgegevens die wij volgens de belastingwet moeten bewaren, blijft "
                "blijken van wie de betalingen waren."
            ),
            "sv": (
                "Att spara kundnumret och datumet då kundrelationen inleddes, så att det av de "
                "betalningsuppgifter som skattelagstiftningen kräver att vi sparar fortfarande "
                "framgår vems betalningarna var."
            ),
            "ru": (
                "Хранение номера клиента и даты начала отношений с клиентом, чтобы по платёжным "
                "записям, которые мы обязаны хранить по налоговому законодательству, "
                "по-прежнему можно было установить, чьи это были платежи."
            ),
        },
        "legal_basis": LB.LEGAL_OBLIGATION,
        "legal_basis_detail": {
            "en": (
                "Algemene wet inzake rijksbelastingen (AWR) art. 52: the administration must be "
                "kept for 7 years; on erasure kept under Art. 17(3)(b) GDPR."
            ),
            "nl": (
                "Art. 52 Algemene wet inzake rijksbelastingen (AWR): de administratie moet 7 jaar "
                "worden bewaard; bij een verzoek om verwijdering blijven deze gegevens bewaard op "
                "grond van art. 17 lid 3 sub b AVG."
            ),
            "sv": (
                "Algemene wet inzake rijksbelastingen (AWR) art. 52: bokföringen ska bevaras i "
                "7 år; vid en begäran om radering sparas uppgifterna enligt art. 17.3 b i "
                "dataskyddsförordningen (GDPR)."
            ),
            "ru": (
                "Ст. 52 Algemene wet inzake rijksbelastingen (AWR): учётные документы должны "
                "храниться 7 лет; при запросе на удаление эти данные сохраняются на основании ст. "
                "17(3)(b) GDPR."
            ),
        },
        "subject_categories": {
            "en": "Customers and former customers who paid or received money",
            "nl": "Klanten en oud-klanten die geld hebben betaald of ontvangen",
            "sv": "Kunder och tidigare kunder som har betalat eller tagit emot pengar",
            "ru": "Клиенты и бывшие клиенты, которые платили или получали деньги",
        },
        "data_categories": ["identity", "contract"],
        "special_categories": _NONE,
        "retention_trigger": TRIGGER.LAST_PAYMENT,
        "retention_months": 84,
        "retention_text": {
            "en": "7 years after the last payment (AWR art. 52).",
            "nl": "7 jaar na de laatste betaling (art. 52 AWR).",
            "sv": "7 år efter den senaste betalningen (AWR art. 52).",
            "ru": "7 лет после последнего платежа (ст. 52 AWR).",
        },
        "security_measures": _SECURITY,
        "source": {
            "en": "Our billing system, when you became a customer.",
            "nl": "Ons facturatiesysteem, toen u klant werd.",
            "sv": "Vårt faktureringssystem, när du blev kund.",
            "ru": "Наша биллинговая система, когда Вы стали нашим клиентом.",
        },
        "automated_decisions": False,
        "automated_logic": _NONE,
        "systems": {
            "en": "Billing system. Access: finance team; auditors during the audit.",
            "nl": "Facturatiesysteem. Toegang: de financiële afdeling; accountants tijdens de controle.",
            "sv": "Faktureringssystem. Åtkomst: ekonomiavdelningen; revisorer under revisionen.",
            "ru": "Биллинговая система. Доступ: финансовый отдел; аудиторы во время аудита.",
        },
        "recipients": [_TAX_OFFICE, _AUDITOR],
    },
    "consent-records": {
        "name": {
            "en": "Consent records for messaging channels",
            "nl": "Vastlegging van toestemmingen voor berichtenkanalen",
            "sv": "Register över samtycken för meddelandekanaler",
            "ru": "Учёт согласий для каналов обмена сообщениями",
        },
        "purposes": {
            "en": (
                "Recording which numbers agreed to service and marketing messages on which "
                "channel, and when consent was withdrawn, so that we can prove it (Art. 7(1))."
            ),
            "nl": (
                "Vastleggen welke nummers via welk kanaal toestemming hebben gegeven voor "
                "service- en marketingberichten, en wanneer die toestemming is ingetrokken, "
                "zodat wij dat kunnen aantonen (art. 7 lid 1 AVG)."
            ),
            "sv": (
                "Att registrera vilka nummer som har samtyckt till service- och "
                "marknadsföringsmeddelanden i vilken kanal, och när samtycket återkallades, så "
                "att vi kan visa det (art. 7.1 i dataskyddsförordningen)."
            ),
            "ru": (
                "Фиксация того, с каких номеров и по какому каналу дано согласие на сервисные и "
                "маркетинговые сообщения и когда согласие было отозвано, чтобы мы могли это "
                "доказать (ст. 7(1) GDPR)."
            ),
        },
        "legal_basis": LB.LEGAL_OBLIGATION,
        "legal_basis_detail": {
            "en": (
                "GDPR Art. 7(1) requires the controller to be able to demonstrate consent; "
                "Telecommunicatiewet art. 11.7 for electronic marketing messages."
            ),
            "nl": (
                "Art. 7 lid 1 AVG verplicht de verwerkingsverantwoordelijke om toestemming te "
                "kunnen aantonen; art. 11.7 Telecommunicatiewet voor elektronische "
                "marketingberichten."
            ),
            "sv": (
                "Enligt art. 7.1 i dataskyddsförordningen (GDPR) ska den personuppgiftsansvarige "
                "kunna visa att samtycke har lämnats; Telecommunicatiewet art. 11.7 för "
                "elektroniska marknadsföringsmeddelanden."
            ),
            "ru": (
                "Ст. 7(1) GDPR обязывает оператора быть в состоянии доказать наличие согласия; "
                "ст. 11.7 Telecommunicatiewet — для электронных маркетинговых сообщений."
            ),
        },
        "subject_categories": {
            "en": "Customers and prospects who opted in on WhatsApp or SMS",
            "nl": "Klanten en potentiële klanten die via WhatsApp of sms toestemming hebben gegeven",
            "sv": "Kunder och potentiella kunder som har gett sitt samtycke via WhatsApp eller sms",
            "ru": "Клиенты и потенциальные клиенты, давшие согласие через WhatsApp или SMS",
        },
        "data_categories": ["contact", "consent"],
        "special_categories": _NONE,
        "retention_trigger": TRIGGER.CONSENT_WITHDRAWN,
        "retention_months": 60,
        "retention_text": {
            "en": (
                "5 years after consent is withdrawn (limitation period for claims, BW 3:307); "
                "the number is replaced by an irreversible code on erasure."
            ),
            "nl": (
                "5 jaar nadat de toestemming is ingetrokken (verjaringstermijn voor "
                "rechtsvorderingen, art. 3:307 BW); bij verwijdering wordt het nummer vervangen "
                "door een code waaruit het nummer niet meer is af te leiden."
            ),
            "sv": (
                "5 år efter att samtycket har återkallats (preskriptionstid för anspråk, "
                "BW 3:307); vid radering ersätts numret med en kod som inte kan omvandlas "
                "tillbaka till numret."
            ),
            "ru": (
                "5 лет после отзыва согласия (срок исковой давности по требованиям, BW 3:307); "
                "при удалении номер заменяется кодом, по которому номер невозможно восстановить."
            ),
        },
        "security_measures": _SECURITY,
        "source": {
            "en": "You (opt-in message, web form or call); the messaging platform's opt-in event.",
            "nl": (
                "U zelf (aanmeldbericht, webformulier of telefoongesprek); de registratie van "
                "uw aanmelding door het berichtenplatform."
            ),
            "sv": (
                "Du själv (meddelande med samtycke, webbformulär eller samtal); "
                "meddelandeplattformens registrering av samtycket."
            ),
            "ru": (
                "Вы сами (сообщение с согласием, веб-форма или звонок); запись о согласии на "
                "платформе обмена сообщениями."
            ),
        },
        "automated_decisions": False,
        "automated_logic": _NONE,
        "systems": {
            "en": "Consent register in the contact-centre platform. Access: privacy team, marketing (read).",
            "nl": (
                "Toestemmingsregister in het klantcontactplatform. Toegang: het privacyteam, "
                "marketing (alleen lezen)."
            ),
            "sv": (
                "Samtyckesregister i kundtjänstplattformen. Åtkomst: dataskyddsteamet, "
                "marknadsföring (endast läsbehörighet)."
            ),
            "ru": (
                "Реестр согласий на платформе контакт-центра. Доступ: отдел по защите данных, "
                "отдел маркетинга (только чтение)."
            ),
        },
        "recipients": [_META, _SMS],
    },
    "marketing": {
        "name": {
            "en": "Marketing messages and newsletters",
            "nl": "Marketingberichten en nieuwsbrieven",
            "sv": "Marknadsföringsmeddelanden och nyhetsbrev",
            "ru": "Маркетинговые сообщения и новостные рассылки",
        },
        "purposes": {
            "en": (
                "Sending offers and news about our banking and insurance products to customers "
                "who asked for them, by WhatsApp, SMS and e-mail."
            ),
            "nl": (
                "Aanbiedingen en nieuws over onze bank- en verzekeringsproducten sturen naar "
                "klanten die daarom hebben gevraagd, via WhatsApp, sms en e-mail."
            ),
            "sv": (
                "Att skicka erbjudanden och nyheter om våra bank- och försäkringsprodukter till "
                "kunder som har bett om det, via WhatsApp, sms och e-post."
            ),
            "ru": (
                "Отправка предложений и новостей о наших банковских и страховых продуктах "
                "клиентам, которые об этом попросили, через WhatsApp, SMS и электронную почту."
            ),
        },
        "legal_basis": LB.CONSENT,
        "legal_basis_detail": {
            "en": (
                "Consent per channel; it can be withdrawn at any time by replying STOP or in "
                "the privacy portal, and an objection (Art. 21(2)) is honoured at once."
            ),
            "nl": (
                "Toestemming per kanaal; die kan op elk moment worden ingetrokken door STOP te "
                "antwoorden of in het privacyportaal, en een bezwaar (art. 21 lid 2 AVG) wordt "
                "direct uitgevoerd."
            ),
            "sv": (
                "Samtycke per kanal; det kan när som helst återkallas genom att svara STOP eller "
                "i integritetsportalen, och en invändning (art. 21.2 i dataskyddsförordningen) "
                "följs omedelbart."
            ),
            "ru": (
                "Согласие для каждого канала отдельно; его можно отозвать в любой момент, "
                "ответив STOP, или на портале защиты данных, а возражение (ст. 21(2) GDPR) "
                "исполняется незамедлительно."
            ),
        },
        "subject_categories": {
            "en": "Customers who subscribed to a marketing list",
            "nl": "Klanten die zich hebben aangemeld voor een marketinglijst",
            "sv": "Kunder som har anmält sig till en marknadsföringslista",
            "ru": "Клиенты, подписавшиеся на маркетинговый список рассылки",
        },
        "data_categories": ["identity", "contact", "marketing"],
        "special_categories": _NONE,
        "retention_trigger": TRIGGER.CONSENT_WITHDRAWN,
        "retention_months": 0,
        "retention_text": {
            "en": "Until consent is withdrawn or the customer objects; then removed from every list.",
            "nl": (
                "Tot de toestemming wordt ingetrokken of de klant bezwaar maakt; daarna "
                "verwijderd uit alle lijsten."
            ),
            "sv": (
                "Tills samtycket återkallas eller kunden invänder; därefter tas uppgifterna bort "
                "från alla listor."
            ),
            "ru": (
                "До отзыва согласия или возражения клиента; после этого данные удаляются из всех "
                "списков."
            ),
        },
        "security_measures": _SECURITY,
        "source": {
            "en": "You (sign-up); the list membership comes from the form or campaign you used.",
            "nl": (
                "U zelf (aanmelding); op welke lijst u staat, volgt uit het formulier of de "
                "campagne die u gebruikte."
            ),
            "sv": (
                "Du själv (anmälan); vilken lista du finns med på följer av formuläret eller "
                "kampanjen som du använde."
            ),
            "ru": (
                "Вы сами (подписка); в какой список Вы входите, определяется формой или "
                "кампанией, через которую Вы подписались."
            ),
        },
        "automated_decisions": True,
        "automated_logic": {
            "en": (
                "Segmentation, not a decision with legal or similarly significant effects "
                "(Art. 22): customers are placed in a segment by the products they hold and "
                "their age band (under 30, 30-55, over 55), which decides which newsletter "
                "they receive. No credit or insurance decision is based on it; you can object "
                "to it at any time."
            ),
            "nl": (
                "Segmentatie, geen besluit met rechtsgevolgen of vergelijkbare aanzienlijke "
                "gevolgen (art. 22 AVG): klanten worden in een segment ingedeeld op basis van de "
                "producten die zij hebben en hun leeftijdsgroep (jonger dan 30, 30-55, ouder "
                "dan 55); dat bepaalt welke nieuwsbrief zij krijgen. Er wordt geen besluit over "
                "krediet of verzekering op gebaseerd; u kunt er altijd bezwaar tegen maken."
            ),
            "sv": (
                "Segmentering, inte ett beslut med rättsliga följder eller på liknande sätt "
                "betydande följder (art. 22 i dataskyddsförordningen): kunderna delas in i "
                "segment utifrån de produkter de har och deras åldersgrupp (under 30, 30-55, "
                "över 55), vilket avgör vilket nyhetsbrev de får. Inga kredit- eller "
                "försäkringsbeslut grundas på det; du kan när som helst invända mot det."
            ),
            "ru": (
                "Сегментация, а не решение, влекущее юридические или аналогичные существенные "
                "последствия (ст. 22 GDPR): клиенты распределяются по сегментам в зависимости от "
                "продуктов, которыми они пользуются, и возрастной группы (до 30 лет, 30-55 лет, "
                "старше 55 лет); от этого зависит, какую рассылку они получают. Решения о "
                "кредитовании или страховании на этой основе не принимаются; Вы можете в любой "
                "момент возразить против этого."
            ),
        },
        "systems": {
            "en": "Mailing service (Brevo). Access: marketing team.",
            "nl": "Mailingdienst (Brevo). Toegang: het marketingteam.",
            "sv": "Utskickstjänst (Brevo). Åtkomst: marknadsföringsteamet.",
            "ru": "Сервис рассылок (Brevo). Доступ: отдел маркетинга.",
        },
        "recipients": [
            _META,
            _SMS,
            {
                "name": {
                    "en": "Sendinblue SAS (Brevo)",
                    "nl": "Sendinblue SAS (Brevo)",
                    "sv": "Sendinblue SAS (Brevo)",
                    "ru": "Sendinblue SAS (Brevo)",
                },
                "kind": KIND.PROCESSOR,
                "purpose": {
                    "en": "Mailing service: sends newsletters by e-mail",
                    "nl": "Mailingdienst: verstuurt nieuwsbrieven per e-mail",
                    "sv": "Utskickstjänst: skickar nyhetsbrev via e-post",
                    "ru": "Сервис рассылок: отправляет новостные рассылки по электронной почте",
                },
                "country": "FR",
                "contact_email": "dpo@brevo.example",
                "safeguard": SAFEGUARD.NONE_NEEDED,
                "safeguard_detail": _NONE,
            },
        ],
    },
    "call-recording": {
        "name": {
            "en": "Recording of phone calls",
            "nl": "Opnemen van telefoongesprekken",
            "sv": "Inspelning av telefonsamtal",
            "ru": "Запись телефонных разговоров",
        },
        "purposes": {
            "en": (
                "Recording calls with customers to prove instructions and advice given over "
                "the phone (MiFID II / Wft record keeping) and to train agents."
            ),
            "nl": (
                "Gesprekken met klanten opnemen om telefonisch gegeven opdrachten en adviezen te "
                "kunnen aantonen (vastleggingsplicht MiFID II / Wft) en om medewerkers te "
                "trainen."
            ),
            "sv": (
                "Att spela in samtal med kunder för att kunna visa vilka instruktioner och råd "
                "som gavs per telefon (dokumentationskrav enligt MiFID II / Wft) och för att "
                "utbilda medarbetare."
            ),
            "ru": (
                "Запись разговоров с клиентами, чтобы подтвердить поручения и консультации, "
                "данные по телефону (требования MiFID II / Wft о хранении записей), и для "
                "обучения сотрудников."
            ),
        },
        "legal_basis": LB.LEGITIMATE_INTERESTS,
        "legal_basis_detail": {
            "en": (
                "Our legitimate interest in proving what was agreed and improving quality; "
                "callers are told at the start of the call and can ask to stop the recording."
            ),
            "nl": (
                "Ons gerechtvaardigd belang om te kunnen aantonen wat is afgesproken en om de "
                "kwaliteit te verbeteren; bellers horen dit aan het begin van het gesprek en "
                "kunnen vragen de opname te stoppen."
            ),
            "sv": (
                "Vårt berättigade intresse av att kunna visa vad som avtalades och att förbättra "
                "kvaliteten; den som ringer informeras i början av samtalet och kan be oss att "
                "stoppa inspelningen."
            ),
            "ru": (
                "Наш законный интерес в том, чтобы подтвердить достигнутые договорённости и "
                "повышать качество обслуживания; звонящих предупреждают в начале разговора, и "
                "они могут попросить остановить запись."
            ),
        },
        "subject_categories": {
            "en": "Callers: customers and others who call our service number",
            "nl": "Bellers: klanten en anderen die ons servicenummer bellen",
            "sv": "Personer som ringer: kunder och andra som ringer vårt servicenummer",
            "ru": "Звонящие: клиенты и другие лица, которые звонят на наш сервисный номер",
        },
        "data_categories": ["contact", "communication", "recording", "technical"],
        "special_categories": _NONE,
        "retention_trigger": TRIGGER.COLLECTION,
        "retention_months": 6,
        "retention_text": {
            "en": "6 months after the call; longer only when a complaint or claim about the call is open.",
            "nl": (
                "6 maanden na het gesprek; alleen langer als er over het gesprek nog een klacht "
                "of claim openstaat."
            ),
            "sv": (
                "6 månader efter samtalet; längre endast om ett klagomål eller anspråk som "
                "gäller samtalet fortfarande är öppet."
            ),
            "ru": (
                "6 месяцев после звонка; дольше — только если по этому звонку есть "
                "нерассмотренная жалоба или претензия."
            ),
        },
        "security_measures": {
            "en": _SECURITY["en"] + " Recordings are encrypted with keys held in the EU.",
            "nl": _SECURITY["nl"]
            + " Opnames worden versleuteld met sleutels die in de EU worden bewaard.",
            "sv": _SECURITY["sv"] + " Inspelningarna krypteras med nycklar som förvaras inom EU.",
            "ru": _SECURITY["ru"] + " Записи шифруются ключами, которые хранятся в ЕС.",
        },
        "source": {
            "en": "The call itself; the telephony platform (calling number, time, duration).",
            "nl": "Het gesprek zelf; het telefonieplatform (nummer van de beller, tijdstip, duur).",
            "sv": "Själva samtalet; telefoniplattformen (uppringande nummer, tidpunkt, längd).",
            "ru": "Сам разговор; телефонная платформа (номер звонящего, время, продолжительность).",
        },
        "automated_decisions": False,
        "automated_logic": _NONE,
        "systems": {
            "en": "Telephony platform with recording storage. Access: quality team, complaints team.",
            "nl": (
                "Telefonieplatform met opslag van de opnames. Toegang: het kwaliteitsteam, het "
                "klachtenteam."
            ),
            "sv": (
                "Telefoniplattform med lagring av inspelningarna. Åtkomst: kvalitetsteamet, "
                "klagomålsteamet."
            ),
            "ru": (
                "Телефонная платформа с хранилищем записей. Доступ: отдел контроля качества, "
                "отдел по работе с жалобами."
            ),
        },
        "recipients": [
            {
                "name": {
                    "en": "CallVault Inc.",
                    "nl": "CallVault Inc.",
                    "sv": "CallVault Inc.",
                    "ru": "CallVault Inc.",
                },
                "kind": KIND.PROCESSOR,
                "purpose": {
                    "en": "Stores and transcribes call recordings",
                    "nl": "Slaat gespreksopnames op en zet ze om in tekst",
                    "sv": "Lagrar och transkriberar samtalsinspelningar",
                    "ru": "Хранит и расшифровывает записи звонков",
                },
                "country": "US",
                "contact_email": "privacy@callvault.example",
                "safeguard": SAFEGUARD.SCC,
                "safeguard_detail": {
                    "en": (
                        "EU Commission standard contractual clauses (2021/914, module 2) with a "
                        "transfer impact assessment; encryption keys stay in the EU."
                    ),
                    "nl": (
                        "Standaardcontractbepalingen van de Europese Commissie (2021/914, "
                        "module 2) met een beoordeling van de risico's van de doorgifte "
                        "(transfer impact assessment); de versleutelingssleutels blijven in de "
                        "EU."
                    ),
                    "sv": (
                        "Europeiska kommissionens standardavtalsklausuler (2021/914, modul 2) "
                        "med en bedömning av överföringens konsekvenser (transfer impact "
                        "assessment); krypteringsnycklarna stannar inom EU."
                    ),
                    "ru": (
                        "Стандартные договорные условия Европейской комиссии (2021/914, "
                        "модуль 2) с оценкой последствий передачи данных (transfer impact "
                        "assessment); ключи шифрования остаются в ЕС."
                    ),
                },
            },
        ],
    },
    "payments": {
        "name": {
            "en": "Payments and bookkeeping",
            "nl": "Betalingen en boekhouding",
            "sv": "Betalningar och bokföring",
            "ru": "Платежи и бухгалтерский учёт",
        },
        "purposes": {
            "en": "Collecting premiums and fees, refunds, and the bookkeeping the law requires.",
            "nl": "Premies en kosten innen, terugbetalingen, en de boekhouding die de wet verplicht stelt.",
            "sv": (
                "Att ta in premier och avgifter, göra återbetalningar och sköta den bokföring som "
                "lagen kräver."
            ),
            "ru": (
                "Взимание страховых премий и комиссий, возврат средств и бухгалтерский учёт, "
                "которого требует закон."
            ),
        },
        "legal_basis": LB.LEGAL_OBLIGATION,
        "legal_basis_detail": {
            "en": (
                "Algemene wet inzake rijksbelastingen (AWR) art. 52 and Burgerlijk Wetboek "
                "2:10: keep the records of the administration for 7 years."
            ),
            "nl": (
                "Art. 52 Algemene wet inzake rijksbelastingen (AWR) en art. 2:10 Burgerlijk "
                "Wetboek: de gegevens van de administratie moeten 7 jaar worden bewaard."
            ),
            "sv": (
                "Algemene wet inzake rijksbelastingen (AWR) art. 52 och Burgerlijk Wetboek "
                "2:10: räkenskapsinformationen ska bevaras i 7 år."
            ),
            "ru": (
                "Ст. 52 Algemene wet inzake rijksbelastingen (AWR) и Burgerlijk Wetboek 2:10: "
                "учётные документы должны храниться 7 лет."
            ),
        },
        "subject_categories": {
            "en": "Customers and former customers who paid or received money",
            "nl": "Klanten en oud-klanten die geld hebben betaald of ontvangen",
            "sv": "Kunder och tidigare kunder som har betalat eller tagit emot pengar",
            "ru": "Клиенты и бывшие клиенты, которые платили или получали деньги",
        },
        "data_categories": ["financial"],
        "special_categories": _NONE,
        "retention_trigger": TRIGGER.PAYMENT,
        "retention_months": 84,
        "retention_text": {
            "en": "Each payment 7 years after it was made (AWR art. 52), then deleted.",
            "nl": "Elke betaling tot 7 jaar nadat die is gedaan (art. 52 AWR), daarna verwijderd.",
            "sv": "Varje betalning i 7 år efter att den gjordes (AWR art. 52), därefter raderad.",
            "ru": "Каждый платёж — 7 лет после его совершения (ст. 52 AWR), затем удаляется.",
        },
        "security_measures": {
            "en": _SECURITY["en"] + " Bank-account numbers are stored masked.",
            "nl": _SECURITY["nl"] + " Rekeningnummers worden afgeschermd opgeslagen.",
            "sv": _SECURITY["sv"] + " Bankkontonummer lagras maskerade.",
            "ru": _SECURITY["ru"] + " Номера банковских счетов хранятся в маскированном виде.",
        },
        "source": {
            "en": "Your bank (incoming payments); our billing system.",
            "nl": "Uw bank (binnenkomende betalingen); ons facturatiesysteem.",
            "sv": "Din bank (inkommande betalningar); vårt faktureringssystem.",
            "ru": "Ваш банк (входящие платежи); наша биллинговая система.",
        },
        "automated_decisions": False,
        "automated_logic": _NONE,
        "systems": {
            "en": "Billing system. Access: finance team; auditors during the audit.",
            "nl": "Facturatiesysteem. Toegang: de financiële afdeling; accountants tijdens de controle.",
            "sv": "Faktureringssystem. Åtkomst: ekonomiavdelningen; revisorer under revisionen.",
            "ru": "Биллинговая система. Доступ: финансовый отдел; аудиторы во время аудита.",
        },
        "recipients": [_TAX_OFFICE, _AUDITOR],
    },
    "complaints": {
        "name": {
            "en": "Complaints handling",
            "nl": "Klachtenbehandeling",
            "sv": "Klagomålshantering",
            "ru": "Рассмотрение жалоб",
        },
        "purposes": {
            "en": (
                "Handling complaints about our products and service, and referring them to the "
                "Financial Services Complaints Institute (Kifid) when the customer asks."
            ),
            "nl": (
                "Klachten over onze producten en dienstverlening behandelen, en ze doorverwijzen "
                "naar het Klachteninstituut Financiële Dienstverlening (Kifid) als de klant "
                "daarom vraagt."
            ),
            "sv": (
                "Att hantera klagomål på våra produkter och vår service, och att hänvisa dem "
                "till den nederländska klagomålsnämnden för finansiella tjänster (Kifid) när "
                "kunden ber om det."
            ),
            "ru": (
                "Рассмотрение жалоб на наши продукты и обслуживание и их передача в "
                "Нидерландский институт по рассмотрению жалоб на финансовые услуги (Kifid) по "
                "просьбе клиента."
            ),
        },
        "legal_basis": LB.LEGAL_OBLIGATION,
        "legal_basis_detail": {
            "en": "Wft / Bgfo art. 4:17: financial firms must have a complaints procedure.",
            "nl": "Wft / Bgfo art. 4:17: financiële ondernemingen moeten een klachtenprocedure hebben.",
            "sv": "Wft / Bgfo art. 4:17: finansiella företag ska ha ett förfarande för klagomål.",
            "ru": "Wft / Bgfo, ст. 4:17: финансовые организации обязаны иметь порядок рассмотрения жалоб.",
        },
        "subject_categories": {
            "en": "Customers, former customers and others who complain",
            "nl": "Klanten, oud-klanten en anderen die een klacht indienen",
            "sv": "Kunder, tidigare kunder och andra som lämnar klagomål",
            "ru": "Клиенты, бывшие клиенты и другие лица, подающие жалобы",
        },
        "data_categories": ["identity", "contact", "communication", "contract"],
        "special_categories": {
            "en": "Only when the complainant includes it (e.g. health data in a claim complaint).",
            "nl": (
                "Alleen als de indiener van de klacht die zelf meestuurt (bijvoorbeeld "
                "gezondheidsgegevens bij een klacht over een schadeclaim)."
            ),
            "sv": (
                "Endast om den som klagar själv tar med sådana uppgifter (t.ex. hälsouppgifter "
                "i ett klagomål om ett skadeärende)."
            ),
            "ru": (
                "Только если заявитель сам их сообщает (например, сведения о здоровье в жалобе "
                "по страховому случаю)."
            ),
        },
        "retention_trigger": TRIGGER.FIXED,
        "retention_months": 60,
        "retention_text": {
            "en": "5 years after the complaint is closed.",
            "nl": "5 jaar nadat de klacht is afgehandeld.",
            "sv": "5 år efter att klagomålet har avslutats.",
            "ru": "5 лет после завершения рассмотрения жалобы.",
        },
        "security_measures": _SECURITY,
        "source": {
            "en": "The complainant; Kifid when a complaint comes through them.",
            "nl": "De indiener van de klacht; Kifid, als een klacht via Kifid binnenkomt.",
            "sv": "Den som klagar; Kifid, när ett klagomål kommer in via Kifid.",
            "ru": "Заявитель; Kifid, если жалоба поступает через него.",
        },
        "automated_decisions": False,
        "automated_logic": _NONE,
        "systems": {
            "en": "Complaints module of the CRM. Access: complaints team, compliance.",
            "nl": "Klachtenmodule van het CRM. Toegang: het klachtenteam, compliance.",
            "sv": "Klagomålsmodulen i CRM-systemet. Åtkomst: klagomålsteamet, compliancefunktionen.",
            "ru": "Модуль жалоб в CRM-системе. Доступ: отдел по работе с жалобами, служба комплаенс.",
        },
        "recipients": [
            {
                "name": {
                    "en": "Klachteninstituut Financiële Dienstverlening (Kifid)",
                    "nl": "Klachteninstituut Financiële Dienstverlening (Kifid)",
                    "sv": "Klachteninstituut Financiële Dienstverlening (Kifid)",
                    "ru": "Klachteninstituut Financiële Dienstverlening (Kifid)",
                },
                "kind": KIND.CONTROLLER,
                "purpose": {
                    "en": "Dispute resolution when the customer takes a complaint there",
                    "nl": "Geschillenbeslechting, als de klant een klacht aan Kifid voorlegt",
                    "sv": "Tvistlösning när kunden för ett klagomål vidare dit",
                    "ru": "Урегулирование споров, если клиент обращается туда с жалобой",
                },
                "country": "NL",
                "contact_email": "privacy@kifid.example",
                "safeguard": SAFEGUARD.NONE_NEEDED,
                "safeguard_detail": _NONE,
            },
        ],
    },
}


def demo_activity_codes() -> list[str]:
    """The activity codes the data map uses (tables and columns), in map order, then
    "complaints"."""
    dm = datamap.load(settings.DSAR_DATAMAP_PATH)
    codes = [code for t in dm.tables for code in t.activity_codes()]
    return list(dict.fromkeys([*codes, "complaints"]))


def seed_register(*, by=None) -> int:
    """Create or update the demo register; return how many activities changed.

    Idempotent: an activity that already says what the demo says is left alone, so a
    second run records no version. Every change goes through `register.record_change()`
    (versioned and audited). Raises ValueError when the data map names an activity the
    demo register does not describe.
    """
    codes = demo_activity_codes()
    missing = [c for c in codes if c not in ACTIVITIES]
    if missing:
        raise ValueError(f"The demo register has no activity for {', '.join(missing)}.")
    return sum(_seed_one(code, ACTIVITIES[code], by=by) for code in codes)


def per_language(spec: dict[str, Any]) -> dict[str, Any]:
    """The model fields of a spec: each {language: text} becomes `<field>_<language>` (a
    language without a text stays empty, so the extract falls back to English and says so)
    plus the field itself in English."""
    fields: dict[str, Any] = {}
    for name, value in spec.items():
        if isinstance(value, dict):
            fields[name] = value["en"]
            fields.update({f"{name}_{lang}": value.get(lang, "") for lang in LANGUAGES})
        else:
            fields[name] = value
    return fields


@transaction.atomic
def _seed_one(code: str, spec: dict[str, Any], *, by) -> bool:
    fields = per_language({**_CONTROLLER, **{k: v for k, v in spec.items() if k != "recipients"}})
    recipients = sorted((per_language(r) for r in spec["recipients"]), key=lambda r: r["name_en"])
    activity = ProcessingActivity.objects.select_for_update().filter(code=code).first()
    if activity is not None:
        current = register.snapshot(activity)
        wanted = {**current, **fields, "recipients": recipients}
        if current == wanted:
            return False
        for name, value in fields.items():
            setattr(activity, name, value)
        activity.save()
        activity.recipients.all().delete()
        action = "changed"
    else:
        activity = ProcessingActivity.objects.create(code=code, **fields)
        action = "created"
    Recipient.objects.bulk_create(Recipient(activity=activity, **r) for r in recipients)
    register.record_change(activity=activity, by=by, action=action)
    return True
