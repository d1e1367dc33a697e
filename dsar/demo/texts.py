"""What customers and agents write, per language and topic, for the demo messages.

Templates take these fields: amount, date, order, days, n, iban4, street, postcode, city,
ticket, time. Inbound ("in") is the customer, outbound ("out") the agent.
"""

from __future__ import annotations

TOPICS = ("payment", "order", "contract", "account", "address", "privacy")

TEXTS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "nl": {
        "payment": {
            "in": (
                "Goedemiddag, mijn betaling van {amount} is niet verwerkt. Kunt u dat nakijken?",
                "Hoi, ik zie dat er op {date} twee keer {amount} is afgeschreven. Klopt dat wel?",
                "Ik heb een betalingsherinnering gekregen, maar ik heb op {date} al betaald.",
                "Kan ik de factuur van deze maand ({amount}) in termijnen betalen?",
            ),
            "out": (
                "Dank voor uw bericht. Uw betaling van {amount} van {date} is inmiddels verwerkt.",
                "Excuses voor het ongemak. De dubbele afschrijving van {amount} storten we binnen {days} werkdagen terug op uw rekening eindigend op {iban4}.",
                "Een betalingsregeling is mogelijk. Ik stuur u via deze chat een voorstel voor {n} termijnen.",
            ),
        },
        "order": {
            "in": (
                "Mijn bestelling {order} is nog steeds niet bezorgd. Volgens de track & trace zou hij op {date} komen.",
                "Ik heb bestelling {order} ontvangen, maar er zit een beschadigd product in.",
                "Kan ik bestelling {order} nog annuleren?",
            ),
            "out": (
                "Ik heb bestelling {order} nagekeken: het pakket ligt bij het sorteercentrum en wordt naar verwachting op {date} bezorgd.",
                "Vervelend om te horen! Wilt u een foto van het beschadigde product sturen? Dan regel ik een vervanging.",
                "Bestelling {order} is geannuleerd. Het bedrag van {amount} staat binnen {days} werkdagen weer op uw rekening.",
            ),
        },
        "contract": {
            "in": (
                "Ik wil mijn abonnement opzeggen per {date}. Hoe gaat dat?",
                "Wanneer loopt mijn contract af? Ik wil graag overstappen naar een goedkoper pakket.",
                "Mijn maandbedrag is verhoogd naar {amount} zonder dat ik bericht heb gehad.",
            ),
            "out": (
                "Uw contract loopt tot {date}. Opzeggen kan tot een maand voor die datum, ook via deze chat.",
                "Ik heb uw opzegging per {date} genoteerd. U ontvangt een bevestiging per e-mail.",
                "De prijswijziging is aangekondigd in onze brief van {date}. Ik kijk graag met u naar een passend pakket.",
            ),
        },
        "account": {
            "in": (
                "Ik kan niet meer inloggen in de app, ik krijg steeds een foutmelding.",
                "Ik heb geen sms-code ontvangen om in te loggen.",
                "Mijn pas is geblokkeerd na drie keer een verkeerde pincode.",
            ),
            "out": (
                "Voor uw veiligheid vragen we nooit om uw wachtwoord of pincode via WhatsApp.",
                "Ik heb een nieuwe inlogcode klaargezet; u ontvangt binnen enkele minuten een sms.",
                "Uw pas is gedeblokkeerd. Probeer het na {time} opnieuw bij de geldautomaat.",
            ),
        },
        "address": {
            "in": (
                "Ik ben verhuisd. Mijn nieuwe adres is {street}, {postcode} {city}.",
                "Graag mijn e-mailadres wijzigen, het oude gebruik ik niet meer.",
            ),
            "out": (
                "Dank u, ik heb uw adres gewijzigd naar {street}, {postcode} {city}. Klopt dat?",
                "Om uw gegevens te wijzigen vraag ik u eerst uw geboortedatum te bevestigen.",
            ),
        },
        "privacy": {
            "in": (
                "Ik word steeds gebeld met aanbiedingen terwijl ik daar geen toestemming voor heb gegeven.",
                "Stop alstublieft met het sturen van reclame via WhatsApp.",
                "Welke gegevens hebben jullie eigenlijk van mij opgeslagen?",
            ),
            "out": (
                "Excuses. Ik heb u afgemeld voor marketingberichten; dat is binnen {days} dagen verwerkt.",
                "U kunt een inzageverzoek indienen via ons privacyportaal. Wij reageren binnen een maand.",
            ),
        },
        "generic": {
            "in": (
                "Dank u wel!",
                "Top, bedankt voor de snelle hulp.",
                "Nee, dat was alles.",
                "Oké, ik wacht het af.",
            ),
            "out": (
                "Goedemiddag, u spreekt met de klantenservice. Waarmee kan ik u helpen?",
                "Is er verder nog iets waarmee ik u kan helpen?",
                "Graag gedaan, nog een fijne dag!",
                "Ik zoek het voor u uit en kom vandaag voor {time} bij u terug (ticket {ticket}).",
            ),
        },
    },
    "sv": {
        "payment": {
            "in": (
                "Hej! Min betalning på {amount} har inte registrerats. Kan ni kolla det?",
                "Det har dragits {amount} två gånger den {date}. Stämmer verkligen det?",
                "Jag fick en betalningspåminnelse men jag betalade redan den {date}.",
                "Kan jag dela upp månadens faktura på {amount}?",
            ),
            "out": (
                "Tack för ditt meddelande. Din betalning på {amount} från den {date} är nu registrerad.",
                "Vi ber om ursäkt. Den dubbla dragningen på {amount} betalas tillbaka inom {days} bankdagar till kontot som slutar på {iban4}.",
                "Det går bra med en avbetalningsplan. Jag skickar ett förslag på {n} delbetalningar här i chatten.",
            ),
        },
        "order": {
            "in": (
                "Min beställning {order} har fortfarande inte kommit. Enligt spårningen skulle den levereras den {date}.",
                "Jag har fått beställning {order} men en av varorna är trasig.",
                "Kan jag avbryta beställning {order}?",
            ),
            "out": (
                "Jag har kollat beställning {order}: paketet ligger på terminalen och beräknas levereras den {date}.",
                "Tråkigt att höra! Kan du skicka en bild på den skadade varan? Då ordnar jag en ersättning.",
                "Beställning {order} är avbruten. Beloppet {amount} återbetalas inom {days} bankdagar.",
            ),
        },
        "contract": {
            "in": (
                "Jag vill säga upp mitt abonnemang från och med den {date}. Hur gör jag?",
                "När går mitt avtal ut? Jag vill byta till ett billigare paket.",
                "Min månadsavgift har höjts till {amount} utan att jag fått något besked.",
            ),
            "out": (
                "Ditt avtal gäller till den {date}. Du kan säga upp det senast en månad innan, även här i chatten.",
                "Jag har registrerat din uppsägning per den {date}. Du får en bekräftelse via e-post.",
                "Prisändringen aviserades i vårt brev den {date}. Jag hjälper gärna till att hitta ett passande paket.",
            ),
        },
        "account": {
            "in": (
                "Jag kan inte logga in i appen längre, det kommer bara ett felmeddelande.",
                "Jag har inte fått någon sms-kod för att logga in.",
                "Mitt kort är spärrat efter tre felaktiga pinkoder.",
            ),
            "out": (
                "Av säkerhetsskäl frågar vi aldrig efter ditt lösenord eller din pinkod på WhatsApp.",
                "Jag har skickat en ny inloggningskod; du får ett sms inom några minuter.",
                "Ditt kort är upplåst igen. Försök på nytt efter kl. {time}.",
            ),
        },
        "address": {
            "in": (
                "Jag har flyttat. Min nya adress är {street}, {postcode} {city}.",
                "Kan ni ändra min e-postadress? Den gamla använder jag inte längre.",
            ),
            "out": (
                "Tack, jag har ändrat din adress till {street}, {postcode} {city}. Stämmer det?",
                "Innan jag ändrar dina uppgifter behöver du bekräfta ditt födelsedatum.",
            ),
        },
        "privacy": {
            "in": (
                "Jag blir hela tiden uppringd med erbjudanden fast jag aldrig har gett mitt samtycke.",
                "Sluta skicka reklam till mig på WhatsApp, tack.",
                "Vilka personuppgifter har ni egentligen sparat om mig?",
            ),
            "out": (
                "Förlåt för det. Jag har avregistrerat dig från marknadsföring; det gäller inom {days} dagar.",
                "Du kan begära ett registerutdrag via vår integritetsportal. Vi svarar inom en månad.",
            ),
        },
        "generic": {
            "in": (
                "Tack så mycket!",
                "Toppen, tack för snabb hjälp.",
                "Nej, det var allt.",
                "Okej, jag väntar.",
            ),
            "out": (
                "Hej och välkommen till kundtjänst! Vad kan jag hjälpa dig med?",
                "Finns det något mer jag kan hjälpa dig med?",
                "Varsågod, ha en fin dag!",
                "Jag tittar på det och återkommer före kl. {time} i dag (ärende {ticket}).",
            ),
        },
    },
    "ru": {
        "payment": {
            "in": (
                "Здравствуйте! Мой платёж на сумму {amount} не прошёл. Можете проверить?",
                "{date} с меня дважды списали {amount}. Это правильно?",
                "Мне пришло напоминание об оплате, но я уже оплатил(а) {date}.",
                "Можно ли оплатить счёт за этот месяц ({amount}) частями?",
            ),
            "out": (
                "Спасибо за обращение. Ваш платёж на {amount} от {date} уже зачислен.",
                "Приносим извинения. Двойное списание {amount} вернём в течение {days} рабочих дней на счёт, оканчивающийся на {iban4}.",
                "Рассрочка возможна. Я отправлю вам в этот чат предложение на {n} платежей.",
            ),
        },
        "order": {
            "in": (
                "Мой заказ {order} до сих пор не доставлен. По отслеживанию он должен был прийти {date}.",
                "Я получил(а) заказ {order}, но один товар повреждён.",
                "Можно ещё отменить заказ {order}?",
            ),
            "out": (
                "Я проверил(а) заказ {order}: посылка на сортировочном центре, ожидаемая доставка {date}.",
                "Очень жаль! Пришлите, пожалуйста, фото повреждённого товара, и я оформлю замену.",
                "Заказ {order} отменён. Сумма {amount} вернётся на ваш счёт в течение {days} рабочих дней.",
            ),
        },
        "contract": {
            "in": (
                "Я хочу расторгнуть договор с {date}. Как это сделать?",
                "Когда заканчивается мой договор? Хочу перейти на тариф подешевле.",
                "Мой ежемесячный платёж вырос до {amount}, а меня никто не предупредил.",
            ),
            "out": (
                "Ваш договор действует до {date}. Расторгнуть его можно не позднее чем за месяц, в том числе в этом чате.",
                "Я оформил(а) расторжение с {date}. Подтверждение придёт вам на электронную почту.",
                "Об изменении цены мы сообщили в письме от {date}. Давайте вместе подберём подходящий тариф.",
            ),
        },
        "account": {
            "in": (
                "Не могу войти в приложение, всё время выдаёт ошибку.",
                "Мне не пришёл СМС-код для входа.",
                "Карта заблокирована после трёх неверных ПИН-кодов.",
            ),
            "out": (
                "В целях безопасности мы никогда не спрашиваем пароль или ПИН-код в WhatsApp.",
                "Я отправил(а) новый код входа, СМС придёт в течение нескольких минут.",
                "Карта разблокирована. Попробуйте снова после {time}.",
            ),
        },
        "address": {
            "in": (
                "Я переехал(а). Мой новый адрес: {street}, {postcode} {city}.",
                "Прошу изменить мой адрес электронной почты, старым я больше не пользуюсь.",
            ),
            "out": (
                "Спасибо, я изменил(а) ваш адрес на {street}, {postcode} {city}. Всё верно?",
                "Чтобы изменить данные, подтвердите, пожалуйста, дату рождения.",
            ),
        },
        "privacy": {
            "in": (
                "Мне постоянно звонят с рекламой, хотя я не давал(а) согласия.",
                "Пожалуйста, перестаньте присылать рекламу в WhatsApp.",
                "Какие мои персональные данные вы храните?",
            ),
            "out": (
                "Приносим извинения. Я отписал(а) вас от рекламных рассылок, это вступит в силу в течение {days} дней.",
                "Запрос на доступ к данным можно подать через наш портал конфиденциальности. Мы ответим в течение месяца.",
            ),
        },
        "generic": {
            "in": (
                "Спасибо!",
                "Отлично, спасибо за быструю помощь.",
                "Нет, это всё.",
                "Хорошо, жду.",
            ),
            "out": (
                "Добрый день, служба поддержки клиентов. Чем могу помочь?",
                "Могу ли я помочь чем-то ещё?",
                "Пожалуйста, хорошего дня!",
                "Я разберусь и вернусь к вам сегодня до {time} (обращение {ticket}).",
            ),
        },
    },
    "en": {
        "payment": {
            "in": (
                "Hello, my payment of {amount} hasn't gone through. Could you check?",
                "I've been charged {amount} twice on {date}. Is that right?",
                "I got a payment reminder but I already paid on {date}.",
                "Can I pay this month's bill of {amount} in instalments?",
            ),
            "out": (
                "Thanks for your message. Your payment of {amount} from {date} has now been processed.",
                "Sorry about that. We'll refund the double charge of {amount} within {days} working days to your account ending {iban4}.",
                "A payment plan is possible. I'll send you a proposal for {n} instalments in this chat.",
            ),
        },
        "order": {
            "in": (
                "My order {order} still hasn't arrived. Tracking said it would come on {date}.",
                "I received order {order} but one of the items is damaged.",
                "Can I still cancel order {order}?",
            ),
            "out": (
                "I've checked order {order}: the parcel is at the sorting centre and should be delivered on {date}.",
                "Sorry to hear that! Could you send a photo of the damaged item? I'll arrange a replacement.",
                "Order {order} is cancelled. The {amount} will be back in your account within {days} working days.",
            ),
        },
        "contract": {
            "in": (
                "I'd like to cancel my subscription from {date}. How do I do that?",
                "When does my contract end? I want to switch to a cheaper plan.",
                "My monthly fee went up to {amount} and nobody told me.",
            ),
            "out": (
                "Your contract runs until {date}. You can cancel up to a month before, also in this chat.",
                "I've registered your cancellation from {date}. You'll get a confirmation by e-mail.",
                "The price change was announced in our letter of {date}. Happy to look for a plan that suits you.",
            ),
        },
        "account": {
            "in": (
                "I can't log in to the app any more, it keeps showing an error.",
                "I didn't get a text with the login code.",
                "My card is blocked after three wrong PINs.",
            ),
            "out": (
                "For your safety we never ask for your password or PIN on WhatsApp.",
                "I've sent a new login code; you'll get a text within a few minutes.",
                "Your card is unblocked. Please try again after {time}.",
            ),
        },
        "address": {
            "in": (
                "I've moved. My new address is {street}, {city} {postcode}.",
                "Please change my e-mail address, I no longer use the old one.",
            ),
            "out": (
                "Thanks, I've changed your address to {street}, {city} {postcode}. Is that correct?",
                "Before I change your details, could you confirm your date of birth?",
            ),
        },
        "privacy": {
            "in": (
                "I keep getting sales calls although I never agreed to them.",
                "Please stop sending me adverts on WhatsApp.",
                "What personal data do you actually hold about me?",
            ),
            "out": (
                "Apologies. I've unsubscribed you from marketing; it takes effect within {days} days.",
                "You can make a subject access request through our privacy portal. We reply within one month.",
            ),
        },
        "generic": {
            "in": (
                "Thank you!",
                "Great, thanks for the quick help.",
                "No, that's all.",
                "OK, I'll wait.",
            ),
            "out": (
                "Good afternoon, you're chatting with customer service. How can I help?",
                "Is there anything else I can help you with?",
                "You're welcome, have a nice day!",
                "I'll look into it and get back to you before {time} today (ticket {ticket}).",
            ),
        },
    },
}

# How each language writes money and dates in a message.
AMOUNT_FORMATS = {
    "nl": "€ {e},{c:02d}",
    "sv": "{e},{c:02d} €",
    "ru": "{e},{c:02d} €",
    "en": "€{e}.{c:02d}",
}
DATE_FORMATS = {"nl": "%d-%m-%Y", "sv": "%Y-%m-%d", "ru": "%d.%m.%Y", "en": "%d/%m/%Y"}

# Recorded by the messaging platform or web forms; staff-facing, so in English.
SERVICE_EVIDENCE = {
    "whatsapp": (
        "opt-in via WhatsApp keyword START",
        "customer started the conversation on our WhatsApp Business number",
        "opt-in checkbox in the app (v4.2)",
    ),
    "sms": ("SMS notifications switched on in My Account", "opt-in via SMS keyword START"),
}
MARKETING_EVIDENCE = (
    "web form checkbox 'Send me offers' (form 2023-04)",
    "double opt-in: replied JA to SMS",
    "opt-in via WhatsApp keyword AANBIEDING",
    "in-store tablet sign-up",
    "double opt-in: svarade JA på sms",
    "opt-in via WhatsApp keyword OFFERS",
)
PROSPECT_EVIDENCE = (
    "SMS keyword WIN2025 (prize draw)",
    "WhatsApp click-to-chat advert, keyword INFO",
)

MARKETING_LISTS = {
    "nl": ("nieuwsbrief", "aanbiedingen-whatsapp", "klantenpanel"),
    "sv": ("nyhetsbrev-se", "erbjudanden-sms"),
    "ru": ("newsletter-ru", "promo-whatsapp"),
    "en": ("newsletter-en", "offers-whatsapp", "customer-panel"),
}
LIST_SOURCES = ("web form", "WhatsApp keyword", "in-store", "CRM import 2021", "app settings")
ORDER_PREFIXES = ("BE", "WK", "OR")
