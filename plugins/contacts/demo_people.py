"""What the contacts demo makes people and companies of: names, cities, job titles and phone numbers per country.

Four countries, one per language the interface speaks (en, ru, bg, fa), each with its
own script for names and addresses, a Latin spelling for e-mail addresses and web
sites, and telephone numbers written the way that country writes them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    """One country of the demo: its name as written there, language, people, places and phone plan."""

    name: str
    language: str
    tld: str
    men: tuple[tuple[str, str], ...]        # (first name, Latin spelling)
    women: tuple[tuple[str, str], ...]
    surnames: tuple[tuple[str, str], ...]   # (masculine, Latin); a feminine form comes from ``feminine``
    cities: tuple[tuple[str, str], ...]     # (city, its landline area code)
    streets: tuple[str, ...]
    titles: tuple[str, ...]
    company_words: tuple[tuple[str, str], ...]
    company_form: str                       # "{word}" stands for the company's word
    calling_code: str
    mobile_prefixes: tuple[str, ...]


def feminine(country: Country, surname: str) -> str:
    """The feminine form of a Russian or Bulgarian surname (Иванов -> Иванова); others are unchanged."""
    if country.language in ("ru", "bg") and surname.endswith(("ов", "ев", "ин")):
        return surname + "а"
    if country.language == "ru" and surname.endswith("ий"):
        return surname[:-2] + "ая"
    return surname


def landline(country: Country, area: str, digits: str) -> str:
    """A landline number in the country's own format (``digits``: at least eight random digits)."""
    code = country.calling_code
    if code == "+1":
        return f"+1 {area}-{digits[:3]}-{digits[3:7]}"
    if code == "+44":
        rest = digits[:8] if len(area) == 2 else digits[:6]
        return f"+44 {area} {rest[:4]} {rest[4:]}"
    if code == "+7":
        return f"+7 ({area}) {digits[:3]}-{digits[3:5]}-{digits[5:7]}"
    if code == "+359":
        rest = digits[:7] if len(area) == 1 else digits[:6]
        return f"+359 {area} {rest[:3]} {rest[3:]}"
    return f"{code} {area} {digits[:4]} {digits[4:8]}"   # Iran: +98 21 8812 3456


def mobile(country: Country, prefix: str, digits: str) -> str:
    """A mobile number in the country's own format."""
    code = country.calling_code
    if code == "+1":
        return f"+1 {prefix}-{digits[:3]}-{digits[3:7]}"
    if code == "+44":
        return f"+44 {prefix} {digits[:6]}"
    if code == "+7":
        return f"+7 {prefix} {digits[:3]}-{digits[3:5]}-{digits[5:7]}"
    if code == "+359":
        return f"+359 {prefix} {digits[:3]} {digits[3:6]}"
    return f"+98 {prefix} {digits[:3]} {digits[3:7]}"


USA = Country(
    name="United States", language="en", tld="com", calling_code="+1",
    men=(("James", "james"), ("Michael", "michael"), ("Robert", "robert"), ("David", "david"), ("Daniel", "daniel"),
         ("Thomas", "thomas"), ("Kevin", "kevin"), ("Brian", "brian"), ("Marcus", "marcus"), ("Andre", "andre"),
         ("Luis", "luis"), ("Ethan", "ethan"), ("Tyler", "tyler"), ("Jordan", "jordan")),
    women=(("Mary", "mary"), ("Jennifer", "jennifer"), ("Linda", "linda"), ("Sarah", "sarah"), ("Jessica", "jessica"),
           ("Emily", "emily"), ("Ashley", "ashley"), ("Megan", "megan"), ("Rachel", "rachel"), ("Nicole", "nicole"),
           ("Maria", "maria"), ("Keisha", "keisha"), ("Hannah", "hannah"), ("Olivia", "olivia")),
    surnames=(("Smith", "smith"), ("Johnson", "johnson"), ("Williams", "williams"), ("Brown", "brown"),
              ("Miller", "miller"), ("Davis", "davis"), ("Wilson", "wilson"), ("Anderson", "anderson"),
              ("Taylor", "taylor"), ("Moore", "moore"), ("Jackson", "jackson"), ("Martinez", "martinez"),
              ("Clark", "clark"), ("Lewis", "lewis"), ("Walker", "walker"), ("Young", "young"), ("Hall", "hall"),
              ("Nguyen", "nguyen"), ("Patel", "patel"), ("Carter", "carter")),
    cities=(("New York", "212"), ("Chicago", "312"), ("Boston", "617"), ("Austin", "512"), ("Seattle", "206"),
            ("Denver", "303"), ("Atlanta", "404"), ("Portland", "503")),
    streets=("Main Street", "Oak Avenue", "Maple Drive", "Park Avenue", "Lake Street", "Washington Boulevard"),
    titles=("Store manager", "Purchasing manager", "Marketing director", "Office manager", "Buyer",
            "Operations lead", "Owner", "Event planner", "Florist", "Accounts payable clerk"),
    company_words=(("Harbor", "harbor"), ("Summit", "summit"), ("Prairie", "prairie"), ("Redwood", "redwood"),
                   ("Liberty", "liberty"), ("Bayside", "bayside"), ("Evergreen", "evergreen"),
                   ("Granite", "granite"), ("Silverline", "silverline"), ("Pioneer", "pioneer")),
    company_form="{word} {kind} Inc.",
    mobile_prefixes=("917", "646", "773", "415", "720"),
)

UK = Country(
    name="United Kingdom", language="en", tld="co.uk", calling_code="+44",
    men=(("Oliver", "oliver"), ("Harry", "harry"), ("George", "george"), ("Jack", "jack"), ("Charlie", "charlie"),
         ("William", "william"), ("Alfie", "alfie"), ("Rhys", "rhys"), ("Callum", "callum"), ("Owen", "owen")),
    women=(("Amelia", "amelia"), ("Isla", "isla"), ("Poppy", "poppy"), ("Sophie", "sophie"), ("Grace", "grace"),
           ("Charlotte", "charlotte"), ("Freya", "freya"), ("Eleanor", "eleanor"), ("Niamh", "niamh"),
           ("Imogen", "imogen")),
    surnames=(("Jones", "jones"), ("Evans", "evans"), ("Thomas", "thomas"), ("Roberts", "roberts"),
              ("Wright", "wright"), ("Hughes", "hughes"), ("Edwards", "edwards"), ("Green", "green"),
              ("Hall", "hall"), ("Wood", "wood"), ("Harris", "harris"), ("Clarke", "clarke"), ("Patel", "patel"),
              ("Khan", "khan"), ("Murphy", "murphy"), ("Campbell", "campbell")),
    cities=(("London", "20"), ("Manchester", "161"), ("Birmingham", "121"), ("Leeds", "113"), ("Bristol", "117"),
            ("Edinburgh", "131"), ("Glasgow", "141")),
    streets=("High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane", "King Street"),
    titles=("Shop manager", "Head of buying", "Marketing manager", "Office manager", "Buyer", "Director",
            "Events coordinator", "Finance officer", "Florist", "Customer service lead"),
    company_words=(("Thames", "thames"), ("Kingsway", "kingsway"), ("Bramble", "bramble"), ("Hawthorn", "hawthorn"),
                   ("Ashford", "ashford"), ("Pennine", "pennine"), ("Oakridge", "oakridge"),
                   ("Whitecliff", "whitecliff")),
    company_form="{word} {kind} Ltd",
    mobile_prefixes=("7700", "7911", "7824", "7459"),
)

RUSSIA = Country(
    name="Россия", language="ru", tld="ru", calling_code="+7",
    men=(("Александр", "aleksandr"), ("Дмитрий", "dmitry"), ("Максим", "maksim"), ("Сергей", "sergey"),
         ("Андрей", "andrey"), ("Алексей", "aleksey"), ("Иван", "ivan"), ("Михаил", "mikhail"), ("Никита", "nikita"),
         ("Артём", "artyom"), ("Павел", "pavel"), ("Олег", "oleg")),
    women=(("Анна", "anna"), ("Мария", "maria"), ("Елена", "elena"), ("Ольга", "olga"), ("Наталья", "natalia"),
           ("Татьяна", "tatiana"), ("Ирина", "irina"), ("Екатерина", "ekaterina"), ("Светлана", "svetlana"),
           ("Юлия", "yulia"), ("Дарья", "daria"), ("Ксения", "ksenia")),
    surnames=(("Иванов", "ivanov"), ("Смирнов", "smirnov"), ("Кузнецов", "kuznetsov"), ("Попов", "popov"),
              ("Васильев", "vasiliev"), ("Петров", "petrov"), ("Соколов", "sokolov"), ("Михайлов", "mikhailov"),
              ("Новиков", "novikov"), ("Фёдоров", "fedorov"), ("Морозов", "morozov"), ("Волков", "volkov"),
              ("Лебедев", "lebedev"), ("Козлов", "kozlov"), ("Ильин", "ilyin"), ("Белов", "belov")),
    cities=(("Москва", "495"), ("Санкт-Петербург", "812"), ("Новосибирск", "383"), ("Екатеринбург", "343"),
            ("Казань", "843"), ("Нижний Новгород", "831"), ("Самара", "846")),
    streets=("ул. Ленина", "пр. Мира", "ул. Садовая", "ул. Гагарина", "Невский пр.", "ул. Пушкина"),
    titles=("Директор магазина", "Менеджер по закупкам", "Маркетолог", "Офис-менеджер", "Бухгалтер",
            "Генеральный директор", "Руководитель отдела продаж", "Флорист", "Администратор", "Логист"),
    company_words=(("Северный ветер", "severny-veter"), ("Вектор", "vektor"), ("Радуга", "raduga"),
                   ("Берёзка", "berezka"), ("Сфера", "sfera"), ("Альянс", "alyans"), ("Меридиан", "meridian"),
                   ("Огонёк", "ogonyok"), ("Парус", "parus")),
    company_form="ООО «{kind} {word}»",
    mobile_prefixes=("916", "903", "926", "985", "921"),
)

BULGARIA = Country(
    name="България", language="bg", tld="bg", calling_code="+359",
    men=(("Георги", "georgi"), ("Иван", "ivan"), ("Димитър", "dimitar"), ("Николай", "nikolay"),
         ("Петър", "petar"), ("Христо", "hristo"), ("Стефан", "stefan"), ("Мартин", "martin"),
         ("Васил", "vasil"), ("Калоян", "kaloyan")),
    women=(("Мария", "maria"), ("Елена", "elena"), ("Иванка", "ivanka"), ("Десислава", "desislava"),
           ("Гергана", "gergana"), ("Цветелина", "tsvetelina"), ("Радостина", "radostina"), ("Петя", "petya"),
           ("Надежда", "nadezhda"), ("Виктория", "viktoria")),
    surnames=(("Иванов", "ivanov"), ("Георгиев", "georgiev"), ("Димитров", "dimitrov"), ("Петров", "petrov"),
              ("Николов", "nikolov"), ("Христов", "hristov"), ("Стоянов", "stoyanov"), ("Тодоров", "todorov"),
              ("Илиев", "iliev"), ("Василев", "vasilev"), ("Атанасов", "atanasov"), ("Костов", "kostov")),
    cities=(("София", "2"), ("Пловдив", "32"), ("Варна", "52"), ("Бургас", "56"), ("Русе", "82"),
            ("Стара Загора", "42")),
    streets=("бул. Витоша", "ул. Граф Игнатиев", "бул. България", "ул. Раковски", "ул. Шипка", "бул. Христо Ботев"),
    titles=("Управител", "Мениджър покупки", "Маркетинг специалист", "Офис мениджър", "Счетоводител",
            "Търговски представител", "Програмист", "Флорист", "Администратор", "Логистик"),
    company_words=(("Балкан", "balkan"), ("Родопа", "rodopa"), ("Витоша", "vitosha"), ("Пирин", "pirin"),
                   ("Черноморие", "chernomorie"), ("Тракия", "trakia"), ("Дунав", "dunav"), ("Рила", "rila")),
    company_form="{word} {kind} ООД",
    mobile_prefixes=("88", "87", "89", "98"),
)

IRAN = Country(
    name="ایران", language="fa", tld="ir", calling_code="+98",
    men=(("علی", "ali"), ("محمد", "mohammad"), ("رضا", "reza"), ("حسین", "hossein"), ("مهدی", "mehdi"),
         ("امیر", "amir"), ("سعید", "saeed"), ("فرهاد", "farhad"), ("کاوه", "kaveh"), ("بابک", "babak")),
    women=(("مریم", "maryam"), ("زهرا", "zahra"), ("فاطمه", "fatemeh"), ("سارا", "sara"), ("نرگس", "narges"),
           ("لیلا", "leila"), ("شیرین", "shirin"), ("نازنین", "nazanin"), ("مینا", "mina"), ("پریسا", "parisa")),
    surnames=(("احمدی", "ahmadi"), ("رضایی", "rezaei"), ("حسینی", "hosseini"), ("کریمی", "karimi"),
              ("محمدی", "mohammadi"), ("موسوی", "mousavi"), ("جعفری", "jafari"), ("رحیمی", "rahimi"),
              ("صادقی", "sadeghi"), ("نوری", "nouri"), ("کاظمی", "kazemi"), ("اکبری", "akbari")),
    cities=(("تهران", "21"), ("اصفهان", "31"), ("شیراز", "71"), ("مشهد", "51"), ("تبریز", "41"), ("کرج", "26")),
    streets=("خیابان ولیعصر", "خیابان انقلاب", "خیابان آزادی", "بلوار کشاورز", "خیابان حافظ", "خیابان فردوسی"),
    titles=("مدیر فروشگاه", "کارشناس خرید", "مدیر بازاریابی", "مدیر دفتر", "حسابدار", "مدیر عامل",
            "کارشناس فروش", "گل‌آرا", "مدیر مالی", "کارشناس لجستیک"),
    company_words=(("پارس نوین", "parsnovin"), ("آریا تجارت", "aria-tejarat"), ("سپهر", "sepehr"),
                   ("البرز", "alborz"), ("نگین", "negin"), ("کوروش", "kourosh"), ("آفتاب", "aftab"),
                   ("مهرگان", "mehregan")),
    company_form="{kind} {word}",
    mobile_prefixes=("912", "935", "919", "901"),
)

# How the demo's customers spread over the countries (weights out of 20).
COUNTRIES: tuple[tuple[Country, int], ...] = ((USA, 5), (UK, 4), (RUSSIA, 4), (BULGARIA, 4), (IRAN, 3))

# The kind of business a company is, by industry: words for its name in each language.
KINDS = {
    "retail": {"en": "Stores", "ru": "Торговый дом", "bg": "Търговия", "fa": "فروشگاه"},
    "services": {"en": "Events", "ru": "Сервис", "bg": "Услуги", "fa": "خدمات"},
    "manufacturing": {"en": "Packaging", "ru": "Производство", "bg": "Производство", "fa": "صنایع"},
    "public": {"en": "Services", "ru": "Центр", "bg": "Център", "fa": "مرکز"},
    "technology": {"en": "Systems", "ru": "Софт", "bg": "Софт", "fa": "فناوری"},
    "healthcare": {"en": "Clinics", "ru": "Клиника", "bg": "Клиника", "fa": "درمانگاه"},
    "finance": {"en": "Partners", "ru": "Финанс", "bg": "Финанс", "fa": "سرمایه"},
    "education": {"en": "Academy", "ru": "Академия", "bg": "Академия", "fa": "آموزشگاه"},
}

# The countries of the hand-written demo companies: calling code and an area code for their numbers.
OTHER_PHONES = {"Norway": ("+47", "22"), "France": ("+33", "1"), "Deutschland": ("+49", "89"),
                "Perú": ("+51", "1"), "Canada": ("+1", "416")}
