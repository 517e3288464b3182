#!/usr/bin/env python3
"""Writes the bundled demo data (data/demo/): synthetic protected people and a small corpus of
English and Spanish documents, a few with disguised exposures, most benign. Everything is made
up by tests/synth.py; run again with the same seed to get the same files."""
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests"))
import synth  # noqa: E402

BENIGN_EN = [
    "City council meeting moved to Thursday. The agenda covers the new bike lanes on Maple "
    "Avenue and the library's extended hours. Public comment opens at 6 pm.",
    "Recipe: two cups of flour, one egg, a pinch of salt. Bake at 350 degrees for 25 minutes.",
    "The Riverside Hawks won 3-2 in overtime. Coach Dana Whitfield praised the defense.",
    "Reminder: the office at 500 Commerce Park Drive is closed on Monday for the holiday.",
    "Judge rules in zoning dispute; the appeal will be heard next spring, court records show.",
    "Weather: rain tonight, clearing tomorrow. Highs near 60. Call 311 for road closures.",
    "Volunteers needed for the food drive this Saturday. Contact the front desk at extension 4.",
    "Election workers completed the canvass on schedule, the county clerk said Tuesday.",
    "Great thread on sourdough starters. Mine is named Clint Yeastwood and he is thriving.",
    "Local journalist wins regional award for reporting on water quality in the valley.",
    "The museum's new wing opens May 5th with a collection of regional landscape paintings.",
    "Traffic advisory: lane closures on Highway 9 between exits 12 and 14 through Friday.",
]
BENIGN_ES = [
    "El ayuntamiento aprobó el presupuesto para el próximo año; la sesión duró tres horas.",
    "Receta: dos tazas de harina, un huevo y una pizca de sal. Hornear 25 minutos.",
    "La biblioteca municipal amplía su horario a partir del lunes, de 9 a 20 horas.",
    "El partido terminó 2 a 1; la afición celebró en la plaza principal hasta tarde.",
    "Se esperan lluvias fuertes esta noche en la sierra; protección civil pide precaución.",
    "Los vecinos de la colonia organizaron una jornada de limpieza en el parque el sábado.",
    "La feria del libro abre sus puertas el 12 de octubre con más de cien editoriales.",
    "Funcionarios electorales concluyeron el conteo sin incidentes, informó el instituto.",
    "Nuevo horario del transporte público: la línea 3 pasará cada diez minutos.",
    "Periodista local recibe premio por su investigación sobre el agua en la región.",
]


def main():
    out = os.path.join(HERE, "..", "data", "demo")
    corpus = os.path.join(out, "corpus")
    os.makedirs(corpus, exist_ok=True)
    people, pos, _ = synth.make_world(seed=2026, npeople=10, per_class=1, nneg=0)
    synth.write_people_csv(people, os.path.join(out, "people.csv"))
    rng = random.Random(5)
    wanted = ["exposure/name_leet", "exposure/name_confusables", "exposure/name_zero_width",
              "exposure/name_nickname", "exposure/name_last_first", "exposure/name_separators",
              "exposure/name_accents_removed", "exposure/relative", "strong/phone_spelled",
              "strong/email"]
    picked = []
    for k, cls in enumerate(wanted):
        # each class from another person, so the demo shows several people
        docs = [d for d in pos if d["class"] == cls and d["person"] == people[k % len(people)].id]
        docs = docs or [d for d in pos if d["class"] == cls]
        picked.append(rng.choice(docs))
    n = 0
    for i, d in enumerate(picked):
        lang = "es" if any(c in d["text"] for c in "áéíóúñ¿¡") else "en"
        n += 1
        with open(os.path.join(corpus, "%s-post-%02d.txt" % (lang, n)), "w", encoding="utf-8") as f:
            f.write(d["text"] + "\n")
    for i, t in enumerate(BENIGN_EN):
        with open(os.path.join(corpus, "en-news-%02d.txt" % (i + 1)), "w", encoding="utf-8") as f:
            f.write(t + "\n")
    for i, t in enumerate(BENIGN_ES):
        with open(os.path.join(corpus, "es-noticia-%02d.txt" % (i + 1)), "w", encoding="utf-8") as f:
            f.write(t + "\n")
    # threats: one with an address (critical), a bounty in Spanish naming a protected person
    # (critical), and news that reports a threat (not a threat itself)
    us = next(p for p in people if not p.spanish and p.id != people[0].id)
    mx = next(p for p in people if p.spanish)
    threats = {
        "en-threat-01.txt": "Someone should put a bullet in that agent's head. He lives at %s, "
                            "go pay him a visit." % us.address.split(",")[0],
        "es-amenaza-02.txt": "Pagamos 200 mil pesos a quien diga dónde vive %s. Hay que darle "
                             "piso." % mx.name,
        "en-news-13.txt": "Police said the man who threatened to kill a county judge was "
                          "arrested on Tuesday and charged with making threats.",
    }
    for name, text in threats.items():
        with open(os.path.join(corpus, name), "w", encoding="utf-8") as f:
            f.write(text + "\n")
    # a JSON Lines feed: a repost of one exposure among benign posts, with source metadata
    with open(os.path.join(corpus, "feed.jsonl"), "w", encoding="utf-8") as f:
        rows = [{"id": "feed-1", "text": rng.choice(BENIGN_EN), "source": "forum",
                 "url": "https://forum.example/t/1", "time": "2026-11-01T10:00:00Z"},
                {"id": "feed-2", "text": "repost >>> " + picked[0]["text"], "source": "paste",
                 "url": "https://paste.example/abc", "time": "2026-11-01T11:30:00Z"},
                {"id": "feed-3", "text": rng.choice(BENIGN_ES), "source": "forum"},
                {"text": "no id on this one: " + rng.choice(BENIGN_EN)}]
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print("wrote %s" % out)


if __name__ == "__main__":
    main()
