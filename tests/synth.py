#!/usr/bin/env python3
"""Synthetic protected people and disguised mentions of them, for testing exposure detection.

Nobody here is real: names are random combinations of common given names and surnames, and
streets, numbers, phones, e-mails, plates and handles are random. `make_world(seed)` returns the
people (as enrollment rows) and labeled documents:

  positives  a person's identifiers under one disguise class each, with the severity and kinds
             a correct scan must report (exposure: name + strong identifier = high; strong
             identifier alone = medium)
  negatives  benign text and near misses (same first name with another surname, same street
             with another house number, a phone one digit off, names of people not enrolled,
             an initial or a relative alone); no enrolled person may be reported

Used by tests/test_exposure_eval.py (recall and false attributions per class), the privacy test,
the benchmarks and `make demo`'s sample data generator.
"""
import random

FIRST_EN = ["John", "Robert", "William", "James", "Michael", "David", "Richard", "Thomas",
            "Daniel", "Matthew", "Anthony", "Andrew", "Edward", "Charles", "Samuel", "Nicholas",
            "Elizabeth", "Margaret", "Catherine", "Jennifer", "Jessica", "Rebecca", "Susan",
            "Patricia", "Barbara", "Victoria", "Kimberly", "Amanda", "Laura", "Karen", "Linda",
            "Sarah", "Emily", "Megan", "Rachel", "Heather", "Brian", "Kevin", "Jason", "Eric"]
FIRST_ES = ["José", "Francisco", "Guadalupe", "Jesús", "Ignacio", "Enrique", "Manuel",
            "Alejandro", "Roberto", "Rafael", "Antonio", "Eduardo", "Santiago", "María",
            "Dolores", "Rosario", "Guillermo", "Fernando", "Ricardo", "Margarita", "Pilar",
            "Isabel", "Graciela", "Carmen", "Juan", "Pedro", "Carlos", "Miguel", "Lucía",
            "Verónica", "Adriana", "Alicia", "Beatriz", "Claudia", "Diana", "Elena", "Sergio"]
COMPOUND_ES = ["José Luis", "Juan Carlos", "María José", "Juan Pablo", "María Fernanda",
               "Luis Ángel", "José Antonio", "Ana Isabel"]
LAST_EN = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
           "Anderson", "Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White",
           "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
           "Scott", "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell",
           "Roberts", "Carter", "Phillips", "Evans", "Turner", "Parker", "Collins", "Edwards",
           "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Peterson", "Cooper",
           "Reed", "Bailey", "Bell", "Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood",
           "Watson", "Brooks", "Bennett", "Gray", "Hughes", "Price", "Sanders", "Myers",
           "Long", "Ross", "Foster", "Powell", "Jenkins", "Perry", "Russell", "Sullivan"]
LAST_ES = ["García", "Martínez", "Rodríguez", "López", "Hernández", "González", "Pérez",
           "Sánchez", "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Reyes",
           "Morales", "Cruz", "Ortiz", "Gutiérrez", "Chávez", "Ramos", "Ruiz", "Mendoza",
           "Álvarez", "Castillo", "Jiménez", "Moreno", "Romero", "Herrera", "Medina", "Aguilar",
           "Vargas", "Castro", "Guzmán", "Muñoz", "Salazar", "Rojas", "Domínguez", "Vázquez",
           "Navarro", "Delgado", "Peña", "Ríos", "Acosta", "Cabrera", "Campos", "Fuentes"]
# Surnames never given to an enrolled person: used for people who are not enrolled.
LAST_OTHER = ["Abernathy", "Blackwood", "Cartwright", "Dunmore", "Ellsworth", "Fairbanks",
              "Galloway", "Hawthorne", "Ingram", "Kettering", "Lockhart", "Merriweather",
              "Northcott", "Oakes", "Pennington", "Quimby", "Ravenscroft", "Stanhope",
              "Thornbury", "Underhill", "Villalobos", "Zamudio", "Arizmendi", "Bustamante",
              "Cienfuegos", "Echeverría", "Larrañaga", "Olmedo", "Quiroga", "Urquiza"]
NICK = {"Robert": "Bob", "William": "Bill", "James": "Jim", "Michael": "Mike",
        "Richard": "Rick", "Thomas": "Tom", "Daniel": "Danny", "Anthony": "Tony",
        "Andrew": "Andy", "Edward": "Ted", "Charles": "Chuck", "Samuel": "Sam",
        "Nicholas": "Nick", "Elizabeth": "Liz", "Margaret": "Peggy", "Catherine": "Kate",
        "Jennifer": "Jenny", "Jessica": "Jess", "Rebecca": "Becky", "Susan": "Sue",
        "Patricia": "Patty", "Barbara": "Barb", "Victoria": "Vicky", "Kimberly": "Kim",
        "Amanda": "Mandy", "José": "Pepe", "Francisco": "Paco", "Guadalupe": "Lupe",
        "Jesús": "Chuy", "Ignacio": "Nacho", "Enrique": "Quique", "Manuel": "Manolo",
        "Alejandro": "Alex", "Roberto": "Beto", "Rafael": "Rafa", "Eduardo": "Lalo",
        "Santiago": "Santi", "Dolores": "Lola", "Rosario": "Charo", "Guillermo": "Memo",
        "Margarita": "Mago", "Pilar": "Pili", "Graciela": "Chela", "John": "Johnny",
        "Matthew": "Matt", "David": "Dave"}
STREET_NAMES = ["Oak", "Maple", "Cedar", "Pine", "Elm", "Willow", "Birch", "Aspen", "Hickory",
                "Magnolia", "Sycamore", "Chestnut", "Juniper", "Laurel", "Poplar", "Spruce",
                "Hawthorn", "Cypress", "Redwood", "Sequoia", "Alder", "Linden", "Mulberry",
                "Dogwood", "Holly", "Larch", "Hemlock", "Buckeye", "Catalpa", "Tamarack",
                "Ridge", "Lake", "Hill", "Valley", "Meadow", "Forest", "River", "Sunset",
                "Highland", "Prairie", "Canyon", "Harbor", "Orchard", "Brook", "Summit"]
STREET_ES = ["Hidalgo", "Morelos", "Juárez", "Reforma", "Insurgentes", "Zaragoza", "Allende",
             "Madero", "Guerrero", "Aldama", "Bravo", "Matamoros", "Victoria", "Galeana",
             "Abasolo", "Iturbide", "Obregón", "Carranza", "Independencia", "Constitución",
             "Libertad", "Revolución", "Jacarandas", "Fresnos", "Cedros", "Pinos", "Robles"]
# Mexican street names that join words with particles ("Calle de la Paz", "Av. de los
# Insurgentes"): common, and what a check against function words ("for", "de") must let through
STREET_ES_JOINED = ["de la Reforma", "de los Insurgentes", "del Carmen", "de las Flores",
                    "de la Paz", "de Tlalpan", "de la República", "Vasco de Quiroga",
                    "Niños Héroes de Chapultepec", "del Río", "Sor Juana Inés de la Cruz"]
TYPES_EN = [("Street", ["St", "St.", "Street", "street", "ST"]),
            ("Avenue", ["Ave", "Ave.", "Avenue", "Av"]),
            ("Road", ["Rd", "Rd.", "Road"]), ("Drive", ["Dr", "Dr.", "Drive"]),
            ("Lane", ["Ln", "Lane"]), ("Court", ["Ct", "Court"]),
            ("Boulevard", ["Blvd", "Blvd.", "Boulevard"])]
TYPES_ES = [("Calle", ["C.", "Calle", "calle", "C"]), ("Avenida", ["Av.", "Avenida", "Avda"]),
            ("Privada", ["Priv.", "Privada"]), ("Calzada", ["Calz.", "Calzada"])]
DIRS = [("North", ["N", "N.", "North"]), ("South", ["S", "S.", "South"]),
        ("East", ["E", "E.", "East"]), ("West", ["W", "W.", "West"])]
ORD = {1: "First", 2: "Second", 3: "Third", 4: "Fourth", 5: "Fifth", 6: "Sixth",
       7: "Seventh", 8: "Eighth", 9: "Ninth"}
CITIES_US = [("Springfield", "IL"), ("Riverside", "CA"), ("Franklin", "TN"), ("Greenville", "SC"),
             ("Madison", "WI"), ("Georgetown", "TX"), ("Salem", "OR"), ("Fairview", "NJ")]
CITIES_MX = ["Oaxaca", "Puebla", "Toluca", "Morelia", "Querétaro", "León", "Mérida", "Tijuana"]
COLONIAS = ["Centro", "Del Valle", "Roma Norte", "Las Águilas", "San Ángel", "Lomas"]
DOMAINS = ["example.com", "example.org", "mail.example.net", "correo.example.mx"]
DIGITS_EN = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
DIGITS_ES = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve"]
CONFUSABLE = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у",
              "i": "і", "A": "А", "B": "В", "E": "Е", "H": "Н", "K": "К", "M": "М",
              "O": "О", "P": "Р", "C": "С", "T": "Т", "X": "Х", "J": "Ј", "S": "Ѕ", "v": "ν"}
LEET = {"o": "0", "i": "1", "l": "1", "e": "3", "a": "4", "s": "5", "t": "7"}
ZW = ["\u200b", "\u200c", "\u200d", "\u2060", "\u00ad", "\ufeff"]
ACCENT = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú", "n": "ñ"}
STRIP = str.maketrans("áéíóúñüÁÉÍÓÚÑÜ", "aeiounuAEIOUNU")

FILLER_EN = ["the meeting was moved to next week", "traffic on the interstate was heavy",
             "the council approved the budget", "weather service expects rain tonight",
             "a new bakery opened downtown", "the school board met on Tuesday",
             "tickets cost $25 at the door", "the game ended 3-2 in overtime",
             "read the full report on page 4", "call the front desk for details",
             "volunteers cleaned the park on Saturday", "prices rose 2.5% in March",
             "the museum is open from 9 to 5", "the library extended its hours",
             "see you at the conference in room 204", "our office moved to a new building"]
FILLER_ES = ["la reunión se pasó a la próxima semana", "hubo mucho tráfico en la autopista",
             "el cabildo aprobó el presupuesto", "se esperan lluvias por la noche",
             "abrió una panadería en el centro", "el partido terminó 2 a 1",
             "los boletos cuestan 150 pesos", "la biblioteca amplió su horario",
             "los vecinos limpiaron el parque el sábado", "el museo abre de 9 a 17 horas"]
LEAD_EXPOSE = ["Found this:", "Here is where he lives:", "Everyone should know:", "FYI",
               "Posting this for everyone:", "Aquí está su info:", "Esto es lo que sabemos:",
               "Dirección y teléfono:", "Look who it is:", "Info:"]


def _strip(s):
    return s.translate(STRIP)


class Person:
    def __init__(self, rng, idx, spanish, used=None):
        self.id = "P-%05d" % idx
        self.spanish = spanish
        self.country = "MX" if spanish else "US"
        while True:
            if spanish:
                self.first = rng.choice(COMPOUND_ES) if rng.random() < 0.2 else rng.choice(FIRST_ES)
                self.middle = None
                self.last = [rng.choice(LAST_ES), rng.choice(LAST_ES)]
                if self.last[0] == self.last[1]:
                    continue
            else:
                self.first = rng.choice(FIRST_EN)
                self.middle = rng.choice(FIRST_EN) if rng.random() < 0.5 else None
                self.last = [rng.choice(LAST_EN)]
            key = (_strip(self.first.split()[0]).lower(), _strip(" ".join(self.last)).lower())
            if used is None:
                break
            if key not in used:
                used.add(key)
                break
        if spanish:
            self.tname, self.taliases = TYPES_ES[rng.randrange(len(TYPES_ES))]
            self.street = rng.choice(STREET_ES) + " " + rng.choice(["", "Sur", "Norte"]).strip()
            self.street = self.street.strip()
            self.num = rng.randrange(10, 3000)
            self.city = rng.choice(CITIES_MX)
            self.address = "%s %s %d, Col. %s, %s" % (self.tname, self.street, self.num,
                                                      rng.choice(COLONIAS), self.city)
            self.dir = None
            self.phone = "55" + "".join(str(rng.randrange(10)) for _ in range(8))
            self.plate = "%s-%02d-%02d" % ("".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ")
                                                   for _ in range(3)),
                                           rng.randrange(100), rng.randrange(100))
        else:
            self.tname, self.taliases = TYPES_EN[rng.randrange(len(TYPES_EN))]
            self.dir = DIRS[rng.randrange(4)] if rng.random() < 0.4 else None
            self.street = rng.choice(STREET_NAMES)
            self.ordinal = None
            if rng.random() < 0.1:
                n = rng.randrange(1, 10)
                self.ordinal = n
                self.street = ORD[n]
            self.num = rng.randrange(100, 9999)
            city, st = rng.choice(CITIES_US)
            self.city = city
            parts = [str(self.num)] + ([self.dir[0]] if self.dir else []) + [self.street,
                                                                           self.tname]
            self.address = "%s, %s, %s %05d" % (" ".join(parts), city, st, rng.randrange(10000, 99999))
            self.phone = str(rng.randrange(201, 990)) + "".join(str(rng.randrange(10)) for _ in range(7))
            self.plate = "%s%s%s-%04d" % (rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ"),
                                          rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ"),
                                          rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ"),
                                          rng.randrange(10000))
        f = _strip(self.first.split()[0]).lower()
        l = _strip(self.last[0]).lower()
        n = rng.randrange(10, 99)
        self.email = "%s.%s%d@%s" % (f, l, n, rng.choice(DOMAINS))
        self.handle = "@%s_%s%d" % (f[0], l, rng.randrange(10, 99))
        self.rel_pool = FIRST_ES if spanish else FIRST_EN
        self.relative = None  # chosen by make_world once every name is known

    @property
    def name(self):
        parts = [self.first] + ([self.middle] if self.middle else []) + self.last
        return " ".join(parts)

    def row(self):
        return {"id": self.id, "name": self.name, "addresses": self.address,
                "phones": ("+52 " if self.spanish else "+1 ") + self.phone,
                "emails": self.email, "plates": self.plate, "handles": self.handle,
                "relatives": self.relative, "country": self.country}


# ------------------------------------------------------------------ disguises

def leet(rng, w):
    out = [LEET[c.lower()] if c.lower() in LEET and rng.random() < 0.6 else c for c in w]
    if out == list(w):
        for i, c in enumerate(w):
            if c.lower() in LEET:
                out[i] = LEET[c.lower()]
                break
    return "".join(out)


def leet_symbols(rng, w):
    # '@' for a and '$' for s inside a word
    out = []
    for i, c in enumerate(w):
        if c.lower() == "a" and i > 0:
            out.append("@")
        elif c.lower() == "s":
            out.append("$")
        else:
            out.append(c)
    return "".join(out)


def confusable(rng, w):
    out = [CONFUSABLE[c] if c in CONFUSABLE and rng.random() < 0.7 else c for c in w]
    return "".join(out)


def zero_width(rng, w):
    out = []
    for i, c in enumerate(w):
        out.append(c)
        if i < len(w) - 1 and rng.random() < 0.5:
            out.append(rng.choice(ZW))
    return "".join(out)


def fullwidth(w):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in w)


def spaced(rng, w):
    sep = rng.choice([".", "-", " ", "_"])
    return sep.join(w)


def rand_case(rng, w):
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in w)


def add_accents(rng, w):
    out = list(w)
    idx = [i for i, c in enumerate(w) if c in ACCENT and c != "n"]
    if idx:
        i = rng.choice(idx)
        out[i] = ACCENT[out[i]]
    return "".join(out)


def phone_forms(rng, p):
    d = p.phone
    if p.spanish:
        forms = ["%s %s %s" % (d[:2], d[2:6], d[6:]), "+52 %s %s %s" % (d[:2], d[2:6], d[6:]),
                 "+52 1 %s %s %s" % (d[:2], d[2:6], d[6:]), "0052 %s-%s-%s" % (d[:2], d[2:6], d[6:]),
                 "(%s) %s %s" % (d[:2], d[2:6], d[6:]), d, "52" + d,
                 "+52 (%s) %s-%s" % (d[:2], d[2:6], d[6:])]
    else:
        forms = ["(%s) %s-%s" % (d[:3], d[3:6], d[6:]), "%s.%s.%s" % (d[:3], d[3:6], d[6:]),
                 "%s-%s-%s" % (d[:3], d[3:6], d[6:]), "%s %s %s" % (d[:3], d[3:6], d[6:]), d,
                 "+1 %s-%s-%s" % (d[:3], d[3:6], d[6:]), "1-%s-%s-%s" % (d[:3], d[3:6], d[6:]),
                 "+1 (%s) %s %s" % (d[:3], d[3:6], d[6:]), "001 %s %s %s" % (d[:3], d[3:6], d[6:])]
    return forms


def spelled_phone(rng, p):
    words = DIGITS_ES if p.spanish else DIGITS_EN
    return " ".join(words[int(c)] for c in p.phone)


def address_forms(rng, p):
    """Ways of writing the street line (number + street), with or without city."""
    forms = []
    t = rng.choice(p.taliases)
    if p.spanish:
        forms.append("%s %s %d" % (t, p.street, p.num))
        forms.append("%s %s #%d" % (t, p.street, p.num))
        forms.append("%s %s %d, %s" % (t, p.street, p.num, p.city))
        forms.append("%s %s %d Int. 4" % (t, p.street, p.num))
        forms.append("%s %d" % (p.street, p.num))
        forms.append("%d %s %s" % (p.num, t, p.street))
        forms.append("%s %s %d" % (t, _strip(p.street), p.num))
        forms.append("%s %s %s %d" % (t, p.street, rng.choice(["No.", "no.", "Núm.", "número"]), p.num))
    else:
        d = ""
        if p.dir:
            d = rng.choice(p.dir[1]) + " "
        street = p.street
        if p.ordinal:
            street = rng.choice([p.street, "%d%s" % (p.ordinal, {1: "st", 2: "nd", 3: "rd"}.get(p.ordinal, "th"))])
        forms.append("%d %s%s %s" % (p.num, d, street, t))
        forms.append("%d %s%s %s, %s" % (p.num, d, street, t, p.city))
        forms.append("%d %s%s %s Apt 3B" % (p.num, d, street, t))
        forms.append("%d %s%s %s #12" % (p.num, d, street, t))
        forms.append("%d %s %s" % (p.num, street, t))
        forms.append("%d %s%s %s Suite 200, %s" % (p.num, d, street, t, p.city))
    return forms


def email_forms(rng, p):
    local, domain = p.email.split("@")
    dom_dot = domain.replace(".", " dot ")
    return [p.email, p.email.upper(), "%s at %s" % (local, dom_dot),
            "%s [at] %s" % (local, domain.replace(".", " [dot] ")),
            "%s (at) %s" % (local, domain.replace(".", " (dot) ")),
            "%s arroba %s" % (local, domain.replace(".", " punto ")),
            # "dot" in the local part too (longer than eight tokens with a three-part domain),
            # and "dot" mixed with "."
            "%s at %s" % (local.replace(".", " dot "), dom_dot),
            "%s at %s" % (local, domain.replace(".", " dot ", 1))]


def plate_forms(rng, p):
    raw = p.plate.replace("-", "")
    return [p.plate, raw, raw.lower(), " ".join(raw), p.plate.replace("-", " ")]


def handle_forms(rng, p):
    h = p.handle[1:]
    return [p.handle, h, "twitter.com/" + h, "https://x.com/%s/" % h, "instagram.com/" + h]


def name_forms(rng, p):
    """(class, text, weak) tuples of the person's name under each disguise class."""
    first = p.first
    last = " ".join(p.last)
    f0 = first.split()[0]
    out = []
    out.append(("name_plain", "%s %s" % (first, last), False))
    out.append(("name_case", rand_case(rng, "%s %s" % (first, last)), False))
    out.append(("name_upper", ("%s %s" % (first, last)).upper(), False))
    out.append(("name_whitespace", "%s%s%s" % (first, rng.choice(["  ", "\t", "\n", " \n  ", "\r\n"]), last), False))
    out.append(("name_separators", "%s %s" % (spaced(rng, _strip(f0)), spaced(rng, _strip(p.last[0]))), False))
    out.append(("name_leet", "%s %s" % (leet(rng, _strip(f0)), leet(rng, _strip(p.last[0]))), False))
    out.append(("name_leet_symbols", "%s %s" % (leet_symbols(rng, _strip(f0)), leet_symbols(rng, _strip(p.last[0]))), False))
    out.append(("name_confusables", "%s %s" % (confusable(rng, _strip(f0)), confusable(rng, _strip(p.last[0]))), False))
    out.append(("name_zero_width", "%s %s" % (zero_width(rng, first), zero_width(rng, last)), False))
    out.append(("name_fullwidth", "%s %s" % (fullwidth(_strip(first)), fullwidth(_strip(last))), False))
    if p.spanish:
        out.append(("name_accents_removed", _strip("%s %s" % (first, last)), False))
        out.append(("name_one_surname", "%s %s" % (first, rng.choice(p.last)), False))
        out.append(("name_surname_first", "%s, %s" % (last, first), False))
    else:
        out.append(("name_accents_added", "%s %s" % (add_accents(rng, first), add_accents(rng, last)), False))
        out.append(("name_last_first", rng.choice(["%s, %s" % (last, first), "%s %s" % (last.upper(), first)]), False))
        if p.middle:
            out.append(("name_middle", "%s %s %s" % (first, p.middle, last), False))
            out.append(("name_middle_initial", "%s %s. %s" % (first, p.middle[0], last), False))
    if _strip(f0) in [_strip(k) for k in NICK] or f0 in NICK:
        nick = NICK.get(f0) or NICK.get(_strip(f0))
        if nick:
            out.append(("name_nickname", "%s %s" % (nick, p.last[0]), False))
    out.append(("name_initial", "%s. %s" % (f0[0], p.last[0]), True))
    return out


def strong_forms(rng, p):
    """(class, kind, text) tuples of strong identifiers."""
    out = []
    for i, f in enumerate(address_forms(rng, p)):
        out.append(("address_%d" % i, "address", f))
    for i, f in enumerate(phone_forms(rng, p)):
        out.append(("phone_%d" % i, "phone", f))
    out.append(("phone_spelled", "phone", spelled_phone(rng, p)))
    for i, f in enumerate(email_forms(rng, p)):
        out.append(("email_%d" % i, "email", f))
    for i, f in enumerate(plate_forms(rng, p)):
        out.append(("plate_%d" % i, "plate", f))
    for i, f in enumerate(handle_forms(rng, p)):
        out.append(("handle_%d" % i, "handle", f))
    return out


def filler(rng, spanish, n=2):
    pool = FILLER_ES if spanish else FILLER_EN
    return ". ".join(rng.choice(pool) for _ in range(n)).capitalize() + "."


def other_person(rng, spanish):
    first = rng.choice(FIRST_ES if spanish else FIRST_EN)
    return "%s %s" % (first, rng.choice(LAST_OTHER))


def make_people(seed, npeople, prefix="B"):
    """Bulk synthetic people (names may repeat, as they do in real life), ids PREFIX-NNNNNNN."""
    rng = random.Random(seed)
    people = [Person(rng, i + 1, i % 3 == 2, None) for i in range(npeople)]
    for p in people:
        p.id = "%s-%07d" % (prefix, int(p.id[2:]))
        p.relative = "%s %s" % (rng.choice(p.rel_pool), p.last[0])
    return people


def make_world(seed=1, npeople=200, per_class=3, nneg=4000):
    """People with distinct names (npeople <= 400) and labeled documents about them."""
    assert npeople <= 400, "make_world keeps names distinct; use make_people for bulk"
    rng = random.Random(seed)
    used = set()
    people = [Person(rng, i + 1, i % 3 == 2, used) for i in range(npeople)]
    # (first word, surname) pairs a scan would attribute: every enrolled name, each surname,
    # and the nickname group of the first name. Relatives must not be someone else's name.
    groups = {}
    for formal, nick in NICK.items():
        key = _strip(formal).lower()
        groups.setdefault(key, {key}).add(_strip(nick).lower())
        groups[_strip(nick).lower()] = groups[key]
    taken = set()
    for p in people:
        f = _strip(p.first.split()[0]).lower()
        for form in groups.get(f, {f}):
            for l in p.last:
                taken.add((form, _strip(l).lower()))
    for p in people:
        while True:
            rf = rng.choice(p.rel_pool)
            key = (_strip(rf).lower(), _strip(p.last[0]).lower())
            if key not in taken and rf.split()[0] != p.first.split()[0]:
                break
        p.relative = "%s %s" % (rf, p.last[0])
        taken.add(key)
    enrolled_addr = {(p.num, _strip(p.street).lower()) for p in people}
    enrolled_phone = {p.phone for p in people}
    positives = []

    def doc(text):
        return text

    for p in people:
        names = name_forms(rng, p)
        strongs = strong_forms(rng, p)
        # each name disguise with a random strong identifier: an exposure (high)
        for cls, ntext, weak in names:
            for _ in range(per_class):
                scls, kind, stext = rng.choice(strongs)
                text = "%s %s %s %s. %s" % (filler(rng, p.spanish, 1), rng.choice(LEAD_EXPOSE),
                                            ntext, stext, filler(rng, p.spanish, 1))
                positives.append({"class": "exposure/" + cls, "person": p.id, "severity": "high",
                                  "kinds": ["name", kind], "text": text})
        # each strong identifier form alone: medium
        for scls, kind, stext in strongs:
            text = "%s %s %s" % (filler(rng, p.spanish, 1), stext, filler(rng, p.spanish, 1))
            positives.append({"class": "strong/" + scls.rsplit("_", 1)[0] if scls[-1].isdigit() else "strong/" + scls,
                              "form": scls, "person": p.id, "severity": "medium", "kinds": [kind],
                              "text": text})
        # relative with a strong identifier: high
        scls, kind, stext = rng.choice(strongs)
        positives.append({"class": "exposure/relative", "person": p.id, "severity": "high",
                          "kinds": ["relative", kind],
                          "text": "Su familia: %s. %s" % (p.relative, stext)})

    negatives = []
    for i in range(nneg):
        p = rng.choice(people)
        sp = p.spanish
        kind = rng.randrange(8)
        if kind == 0:
            cls, text = "benign", filler(rng, sp, 4)
        elif kind == 1:
            cls = "other_person"
            text = "%s %s lives at %d %s %s, call %s." % (
                filler(rng, sp, 1), other_person(rng, sp), rng.randrange(100, 9999),
                rng.choice(STREET_NAMES + STREET_ES), rng.choice(["St", "Ave", "Calle"]),
                "%03d-%03d-%04d" % (rng.randrange(200, 999), rng.randrange(1000), rng.randrange(10000)))
        elif kind == 2:
            cls = "near_first_name"
            text = "%s %s %s" % (filler(rng, sp, 1), "%s %s" % (p.first, rng.choice(LAST_OTHER)),
                                 filler(rng, sp, 1))
        elif kind == 3:
            cls = "near_house_number"
            n = p.num
            while (n, _strip(p.street).lower()) in enrolled_addr:
                n = p.num + rng.choice([-3, -2, -1, 1, 2, 3, 10, 100])
            t = rng.choice(p.taliases)
            text = ("%s %s %d" % (t, p.street, n)) if sp else ("%d %s %s" % (n, p.street, t))
            text = "%s %s. %s" % (filler(rng, sp, 1), text, filler(rng, sp, 1))
        elif kind == 4:
            cls = "near_phone"
            d = list(p.phone)
            while "".join(d) in enrolled_phone:
                k = rng.randrange(len(d))
                d[k] = str((int(d[k]) + rng.randrange(1, 10)) % 10)
            d = "".join(d)
            text = "%s Call %s-%s-%s. %s" % (filler(rng, sp, 1), d[:3], d[3:6], d[6:], filler(rng, sp, 1))
        elif kind == 5:
            cls = "initial_only"
            text = "%s %s. %s said so. %s" % (filler(rng, sp, 1), p.first[0], p.last[0], filler(rng, sp, 1))
        elif kind == 6:
            cls = "relative_only"
            text = "%s %s was there. %s" % (filler(rng, sp, 1), p.relative, filler(rng, sp, 1))
        else:
            cls = "surname_only"
            text = "%s The %s family and the %s report. %s" % (
                filler(rng, sp, 1), p.last[0], rng.choice(LAST_EN + LAST_ES), filler(rng, sp, 1))
        negatives.append({"class": "negative/" + cls, "person": None, "text": text})
    return people, positives, negatives


def write_people_csv(people, path):
    import csv
    cols = ["id", "name", "addresses", "phones", "emails", "plates", "handles", "relatives", "country"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        for p in people:
            w.writerow(p.row())


def plaintexts(people):
    """Every enrolled string and its obvious canonical forms (for the privacy test)."""
    out = set()
    for p in people:
        r = p.row()
        for k, v in r.items():
            if k in ("id", "country"):
                continue
            out.add(v)
            out.add(v.lower())
            out.add(_strip(v).lower())
        out.add(p.phone)
        out.add(_strip(p.first.split()[0]).lower())
        for l in p.last:
            out.add(_strip(l).lower())
        out.add(_strip(p.street).lower())
        out.add(p.plate.replace("-", "").lower())
        out.add(p.handle[1:].lower())
    return {s for s in out if len(s) >= 4}
