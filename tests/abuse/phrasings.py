"""The table the prohibited-purpose screen is tested with: what must be refused wherever a purpose or reason is
stated, and ordinary police phrasings that must be accepted. Every phrasing the issue names is here."""

CYRILLIC_I = "\u0456"  # і, drawn like a Latin i
ZERO_WIDTH_SPACE = "\u200b"

REFUSED = [
    # agencies and programmes, by acronym and by name
    "assist ICE",
    "Assist ICE with a pickup",
    "HSI and CBP",
    "Enforcement and Removal Operations",
    "287(g)",
    "287(g) task force request",
    "ERO field office",
    "DHS request",
    "USCIS",
    "Border Patrol",
    "BorderPatrol",
    "Homeland Security Investigations",
    "Customs and Border Protection",
    "Immigration and Customs Enforcement",
    "ICE",
    "ICE detainer",
    "wanted by ice",
    "hold for ice agents",
    # "removal", "deportation", "detainer" in an immigration sense
    "deportation",
    "pending removal proceedings",
    "final order of removal",
    "immigration detainer",
    "I-247A detainer",
    "immigration enforcement",
    "undocumented",
    "visa overstay",
    # punctuation and spacing between letters
    "I-C-E",
    "I.C.E.",
    "i c e hold",
    "assist a I.C.E. agent",
    "imm-igration",
    "i m m i g r a t i o n status",
    f"im{ZERO_WIDTH_SPACE}migration",
    # look-alike and full-width letters
    f"{CYRILLIC_I}mmigration",
    f"{CYRILLIC_I}mmigration status check",
    "\u0406\u0421\u0415",  # ІСЕ in Cyrillic capitals
    "\u0456\u0441\u0435 agents",  # ісе in Cyrillic
    "\u0399C\u0395",  # ΙCΕ with Greek capitals
    "\uff29\uff23\uff25",  # ＩＣＥ full width
    "\uff49\uff4d\uff4d\uff49\uff47\uff52\uff41\uff54\uff49\uff4f\uff4e",  # ｉｍｍｉｇｒａｔｉｏｎ
    # Spanish
    "inmigración",
    "expulsión",
    "orden de deportación",
    "deportación del conductor",
    "patrulla fronteriza",
    "apoyo a la migra",
    "agentes de ICE",
    "estatus migratorio",
    "persona indocumentada",
]

ACCEPTED = [
    "ice cream truck",
    "ICE CREAM TRUCK parked",
    "Iceland rink parking lot",
    "police",
    "service",
    "device",
    "removal of abandoned vehicle",
    "Ice blue Honda, police tow",
    "notice",
    "black ice collision",
    "narcotics: ice sales",
    "Centro Deportivo parking lot",
    "interstate detainer on a burglary warrant",
    "officer-involved collision",
    "stolen vehicle",
    "hit and run",
    "Justice center burglary",
    "Hero of the day",
    "robo de vehículo",
    "persona desaparecida",
    "Ice on the road",
]
