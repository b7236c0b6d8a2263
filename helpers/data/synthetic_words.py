"""Word lists of the synthetic generator: titles, names, characters, overviews.

Titles are built as ``head + tail`` per original language, so that they read like
real titles ("L'Été des mystères", "The Last Road: Part II") with accents and
apostrophes. Company names avoid apostrophes so that the TMDB list literals stay
single-quoted like the real file.
"""

from __future__ import annotations

#: IMDb's genre names, alphabetical (IMDb lists a title's genres in this order).
GENRES: tuple[str, ...] = (
    "Action", "Adult", "Adventure", "Animation", "Biography", "Comedy", "Crime",
    "Documentary", "Drama", "Family", "Fantasy", "Film-Noir", "Game-Show", "History",
    "Horror", "Music", "Musical", "Mystery", "News", "Reality-TV", "Romance", "Sci-Fi",
    "Short", "Sport", "Talk-Show", "Thriller", "War", "Western",
)

#: Relative genre frequencies per kind of title (same order as GENRES).
GENRE_WEIGHTS: dict[str, tuple[float, ...]] = {
    # Act Adu Adv Ani Bio Com Cri Doc Dra Fam Fan Noi Gam His
    # Hor Mus Msc Mys New Rea Rom Sci Sho Spo Tal Thr War Wes
    "film": (9, 0, 6, 3, 3, 25, 8, 12, 45, 4, 3, .3, 0, 3,
             7, 3, 2, 4, .3, 0, 10, 3, 0, 1.5, 0, 9, 2, 2),
    "tv": (5, 0, 4, 6, 1, 22, 9, 10, 20, 5, 2, 0, 5, 2,
           1, 3, .5, 4, 6, 12, 5, 1, 0, 2, 8, 2, 1, .5),
    "short": (3, 0, 2, 12, 1, 18, 2, 14, 18, 3, 3, 0, 0, 1,
              4, 6, 1, 1, 0, 0, 3, 2, 0, 1, 0, 2, 1, 0),
    "game": (30, 0, 25, 5, 0, 5, 6, 0, 6, 8, 18, 0, 0, 2,
             8, 2, 0, 5, 0, 0, 1, 12, 0, 6, 0, 5, 4, 1),
}

#: IMDb genre -> TMDB genre name (TMDB has no Biography, Sport, Musical...).
TMDB_GENRE = {
    "Action": "Action", "Adventure": "Adventure", "Animation": "Animation",
    "Biography": "Drama", "Comedy": "Comedy", "Crime": "Crime",
    "Documentary": "Documentary", "Drama": "Drama", "Family": "Family",
    "Fantasy": "Fantasy", "Film-Noir": "Crime", "History": "History", "Horror": "Horror",
    "Music": "Music", "Musical": "Music", "Mystery": "Mystery", "Romance": "Romance",
    "Sci-Fi": "Science Fiction", "Sport": "Drama", "Thriller": "Thriller", "War": "War",
    "Western": "Western",
}

# --- titles: head + tail per language ------------------------------------------------

EN_ARTICLES = ("The ", "The ", "The ", "", "", "", "A ")
EN_ADJECTIVES = (
    "", "", "", "", "Last ", "Silent ", "Dark ", "Lost ", "Golden ", "Broken ", "Hidden ",
    "Long ", "Little ", "Wild ", "Secret ", "Red ", "Blue ", "Cold ", "Burning ", "Final ",
    "Eternal ", "Strange ", "Forgotten ", "Crimson ", "Deadly ", "Sweet ", "Lonely ",
    "Midnight ", "Savage ", "Perfect ", "Endless ", "Wicked ", "Holy ", "Iron ", "Quiet ",
    "Big ", "Fallen ", "Empty ", "Young ", "Great ",
)
EN_NOUNS = (
    "Road", "House", "Night", "River", "Kingdom", "Garden", "Storm", "Mirror", "Promise",
    "Summer", "Winter", "Island", "Letter", "Shadow", "Dream", "City", "Heart", "Game",
    "Hunter", "Stranger", "Journey", "Secret", "Empire", "Horizon", "Voyage", "Bridge",
    "Witness", "Outlaw", "Detective", "Dancer", "Soldier", "Widow", "Prince", "Queen",
    "Thief", "Angel", "Ghost", "Machine", "Frontier", "Station", "Harbor", "Valley",
    "Desert", "Forest", "Ocean", "Wolf", "Sparrow", "Tiger", "Train", "Hotel", "Castle",
    "Circus", "Song", "Symphony", "Silence", "Revenge", "Escape", "Return", "Legacy",
    "Betrayal", "Reckoning", "Affair", "Mission", "Conspiracy", "Experiment", "Door",
    "Window", "Crown", "Sword", "Star", "Moon", "Sun", "Fire", "Rain", "Snow", "Wind",
    "Bride", "Brothers", "Sisters", "Children", "Neighbors", "Lovers", "Gamblers",
)
EN_TAILS = (
    "", "", "", "", "", "", "", "", "", "", " of Fire", " of the North", " in Paris",
    ": Part II", " 2", " II", " Returns", ": The Beginning", " at Dawn", " of Love",
    " of the Dead", " in the Dark", " of Tomorrow", " Rising", ": Reloaded",
    " on the Hill", " of Gold", " of Shadows", "!", "...", " in Venice", " of Glass",
)

FR_HEADS = (
    "La Nuit", "L'Été", "Le Silence", "Les Enfants", "La Règle", "Le Dernier Métro",
    "La Grande Illusion", "Les Quatre Cents Coups", "Le Mépris", "La Haine", "L'Amour",
    "Le Voyage", "La Maison", "Les Amants", "Le Secret", "La Femme", "L'Homme", "Le Roi",
    "La Reine", "Les Parapluies", "Le Salaire", "La Belle", "Le Cercle", "Les Visiteurs",
    "La Vie", "Le Temps", "L'Armée", "Les Diaboliques", "Le Fabuleux Destin", "La Chambre",
    "Le Chemin", "La Rivière", "Les Vacances", "Le Mystère", "La Promesse", "L'Écume",
    "Le Retour", "La Fête", "Les Invisibles", "Le Bonheur", "La Fille", "Le Garçon",
    "Les Héritiers", "Le Souffle", "La Douceur", "L'Île", "Le Château", "La Mer",
    "Les Choristes", "Le Goût", "La Cité", "L'Enfance", "Le Passé", "La Promenade",
    "Les Misérables", "Le Jour", "La Guerre", "L'Hiver", "Le Printemps", "L'Automne",
    "Les Étoiles", "Le Rêve", "La Lumière", "Les Ombres", "Le Bal", "La Traversée",
    "Un Été", "Une Femme", "Un Homme", "Deux Frères", "Trois Couleurs", "Mon Oncle",
    "Ma Nuit", "Jeux interdits", "Quai des brumes", "Pierrot", "Amélie", "Cléo",
    "Élise", "Hélène", "Zoé", "Cœur", "Été", "Au revoir", "À bout de souffle",
)
FR_TAILS = (
    "", "", "", "", "", "", "", "", " des mystères", " du paradis", " de Paris",
    " sans retour", " à Marseille", " des anges", " du silence", " de la nuit", " d'été",
    " d'hiver", " des Creusois", " du bout du monde", " en fuite", " au soleil",
    " de minuit", " des loups", " des mers du Sud", " et la mer", " et moi", " à Lyon",
    " de ma mère", " perdue", " interdite", " éternelle", ": le retour", " 2",
    " des champs", " de Guéret", " à l'aube", " sous la pluie", " du dimanche",
)

DE_HEADS = (
    "Der lange Weg", "Die Nacht", "Das Haus", "Der Himmel", "Die Brücke", "Das Boot",
    "Der Schatten", "Die Frau", "Das Leben", "Der Tunnel", "Die Reise", "Das Geheimnis",
    "Der Zug", "Die Stadt", "Das Spiel", "Der Wald", "Die Mauer", "Lola", "Heimat",
)
DE_TAILS = ("", "", "", " am See", " der Wölfe", " über Berlin", " im Winter",
            " der Anderen", " ohne Namen", " nach Hause", " im Nebel")
ES_HEADS = (
    "El Laberinto", "La Casa", "El Secreto", "Los Olvidados", "La Noche", "El Camino",
    "La Lengua", "El Espíritu", "Las Flores", "El Orfanato", "La Isla", "El Hombre",
    "Todo", "Mar", "Volver", "La Ciénaga",
)
ES_TAILS = ("", "", "", " de papel", " del fauno", " de las mariposas", " sin nombre",
            " en llamas", " del silencio", " de mi madre", " y el mar")
IT_HEADS = (
    "La Dolce", "Il Sorpasso", "La Strada", "Il Postino", "La Notte", "Il Giardino",
    "La Grande", "Il Gattopardo", "La Vita", "Il Deserto", "Le Notti", "Il Ladro",
    "La Terra", "Il Sole", "Nuovo Cinema",
)
IT_TAILS = ("", "", "", " vita", " bellezza", " di Cabiria", " dei Finzi-Contini",
            " rosso", " delle biciclette", " è bella", " Paradiso", " sul mare")
JA_HEADS = (
    "Tokyo", "Yume", "Hana", "Kaze", "Tsuki", "Sora", "Umi", "Yoru", "Akai", "Shiroi",
    "Kumo", "Mori", "Natsu", "Fuyu", "Shichinin",
)
JA_TAILS = ("", " monogatari", " no hana", " no samurai", " no machi", " no uta",
            " no tabi", " no kage")

#: language code -> (heads, tails); "en" is built from articles/adjectives/nouns.
TITLE_POOLS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "fr": (FR_HEADS, FR_TAILS),
    "de": (DE_HEADS, DE_TAILS),
    "es": (ES_HEADS, ES_TAILS),
    "it": (IT_HEADS, IT_TAILS),
    "ja": (JA_HEADS, JA_TAILS),
}

# --- people -------------------------------------------------------------------------

MALE_FIRST = (
    "Jean", "Pierre", "Michel", "André", "Jacques", "Louis", "François", "Émile",
    "Gérard", "Alain", "Philippe", "Lucien", "Raphaël", "Benoît", "Jérôme", "Théo",
    "Noël", "Hervé", "René", "Gaël", "John", "James", "Robert", "Michael", "William",
    "David", "Richard", "Charles", "Thomas", "George", "Henry", "Jack", "Paul", "Peter",
    "Frank", "Walter", "Harold", "Samuel", "Daniel", "Edward", "Hans", "Klaus", "Jürgen",
    "Marco", "Giovanni", "Luca", "José", "Carlos", "Pedro", "Björn", "Søren", "Akira",
    "Hiroshi", "Kenji", "Raj", "Amir", "Omar", "Ivan", "Sergei", "Tomás",
)
FEMALE_FIRST = (
    "Marie", "Jeanne", "Catherine", "Isabelle", "Sophie", "Hélène", "Françoise",
    "Chloé", "Zoé", "Léa", "Élodie", "Anaïs", "Cécile", "Agnès", "Juliette", "Brigitte",
    "Simone", "Danielle", "Maëlle", "Inès", "Mary", "Elizabeth", "Margaret", "Susan",
    "Linda", "Barbara", "Patricia", "Jennifer", "Emma", "Grace", "Alice", "Rose",
    "Helen", "Dorothy", "Ruth", "Anna", "Julia", "Laura", "Sarah", "Kate", "Ingrid",
    "Greta", "Monica", "Sofia", "Giulia", "Carmen", "Lucía", "Penélope", "Astrid",
    "Yuki", "Keiko", "Priya", "Leila", "Olga", "Natalia", "Zuzana",
)
LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
    "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David",
    "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier",
    "Dupont", "Lambert", "Bonnet", "François", "Martinez", "Legrand", "Garnier",
    "Faure", "Rousseau", "Blanc", "Guérin", "Müller", "Chevalier", "Gauthier", "Perrin",
    "Renaud", "Brunet", "Barbier", "Lemaître", "Noël", "Aubert", "Delacroix", "D'Amato",
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
    "Anderson", "Taylor", "Moore", "Jackson", "White", "Harris", "Clark", "Lewis",
    "Walker", "Hall", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams",
    "Nelson", "Hill", "Campbell", "O'Brien", "O'Connor", "McAllister", "Fitzgerald",
    "Schmidt", "Schneider", "Fischer", "Weber", "Rossi", "Russo", "Bianchi", "Romano",
    "Fernández", "López", "Sánchez", "Pérez", "Núñez", "Andersson", "Johansson",
    "Nielsen", "Tanaka", "Suzuki", "Watanabe", "Kapoor", "Khan", "Ivanov", "Novák",
)
NAME_SUFFIXES = ("", "", "", "", "", "", "", "", "", "", "", "", " Jr.", " II", " III")

#: profession strings per role pool (first is the most common).
PROFESSIONS: dict[str, tuple[str, ...]] = {
    "actor": ("actor", "actor", "actor", "actor,soundtrack", "actor,producer",
              "actor,director,writer", "actor,miscellaneous", "actor,stunts"),
    "actress": ("actress", "actress", "actress", "actress,soundtrack", "actress,producer",
                "actress,director,writer", "actress,miscellaneous"),
    "director": ("director", "director,writer", "director,writer,producer",
                 "director,producer", "director,actor,writer", "director,editor"),
    "writer": ("writer", "writer", "writer,producer", "writer,director", "writer,actor"),
    "producer": ("producer", "producer", "producer,executive", "producer,writer",
                 "producer,production_manager"),
    "composer": ("composer", "composer,soundtrack", "composer,music_department"),
    "cinematographer": ("cinematographer", "cinematographer,camera_department"),
    "editor": ("editor", "editor,editorial_department"),
    "self": ("", "", "actor", "actress", "producer", "writer", "miscellaneous"),
    "crew": ("production_designer", "casting_director", "art_director",
             "costume_designer", "sound_department", "make_up_department"),
}

CHARACTERS_NEUTRAL = (
    "Narrator", "Police Officer", "Doctor", "Nurse", "Waiter", "Reporter", "Priest",
    "Mayor", "Teacher", "Soldier", "Detective", "Bartender", "Le commissaire", "Lawyer",
    "Receptionist", "Guard", "Professor", "Driver", "Stranger", "Photographer",
)
SELF_CHARACTERS = ('["Self"]', '["Self"]', '["Self - Host"]', '["Self - Guest"]',
                   '["Self - Narrator"]', '["Self","Narrator"]')

#: Crew jobs (principals ``job``); an empty string means \\N.
JOBS: dict[str, tuple[str, ...]] = {
    "writer": ("", "", "screenplay", "novel", "story", "written by", "dialogue",
               "story & dialogue", "adaptation", "based on the play by"),
    "producer": ("producer", "producer", "executive producer", "co-producer",
                 "associate producer", "line producer"),
    "cinematographer": ("", "director of photography"),
    "composer": ("",),
    "editor": ("",),
    "director": ("",),
    "production_designer": ("",),
    "casting_director": ("", "casting"),
}

# --- TMDB -------------------------------------------------------------------------

#: Country code -> production companies (no apostrophes: see the module docstring).
COMPANIES: dict[str, tuple[str, ...]] = {
    "FR": ("Gaumont", "Pathé", "StudioCanal", "Les Films du Losange", "Canal+",
           "France 2 Cinéma", "France 3 Cinéma", "Arte France Cinéma", "EuropaCorp",
           "Les Films du Carrosse", "Why Not Productions", "Le Pacte", "Haut et Court",
           "Les Productions du Trésor", "Ciné-Tamaris", "Mandarin Cinéma",
           "Films de la Pléiade", "Limousin Images", "Société Nouvelle de Cinématographie"),
    "US": ("Warner Bros. Pictures", "Paramount Pictures", "Universal Pictures",
           "Columbia Pictures", "Metro-Goldwyn-Mayer", "20th Century Fox",
           "Walt Disney Pictures", "Miramax", "Lionsgate", "New Line Cinema",
           "United Artists", "RKO Radio Pictures", "DreamWorks Pictures",
           "Blumhouse Productions", "A24", "Focus Features", "Silver Screen Partners"),
    "GB": ("BBC Film", "Film4 Productions", "Working Title Films", "Ealing Studios",
           "Hammer Films", "Rank Organisation", "Eon Productions"),
    "DE": ("UFA", "Constantin Film", "Bavaria Film", "X Filme Creative Pool",
           "Beta Film", "ZDF"),
    "IT": ("Cinecittà", "Titanus", "Rai Cinema", "Medusa Film", "Lux Film"),
    "ES": ("El Deseo", "Telecinco Cinema", "Morena Films", "Atresmedia Cine"),
    "JP": ("Toho", "Shochiku", "Toei Company", "Nikkatsu", "Studio Ghibli"),
    "BE": ("Les Films du Fleuve", "Artémis Productions"),
    "CA": ("Téléfilm Canada", "Alliance Films", "Max Films"),
}

TAGLINES = (
    "Some secrets never die.", "One night changed everything.", "Nothing is what it seems.",
    "The adventure of a lifetime.", "Love knows no borders.", "Based on a true story.",
    "The truth will come out.", "Every family has its secrets.", "Fear has a new name.",
    "Run.", "Trust no one.", "A comedy about growing up.", "The legend begins.",
    "Some roads lead home.", "Justice has a price.", "They came from the sky.",
    "Laugh, cry, dance.", "The end is only the beginning.", "No one gets out alive.",
    "A story of courage and friendship.",
)

#: Overview vocabulary per IMDb genre: (characters, actions, settings).
OVERVIEW_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "Action": (
        ("an ex-commando", "a rogue agent", "a bodyguard", "a getaway driver"),
        ("must stop a deadly heist", "fights a ruthless cartel", "races against a ticking bomb",
         "takes revenge on a mercenary army"),
        ("in a city under siege", "aboard a hijacked train", "across the rooftops of Hong Kong"),
    ),
    "Adventure": (
        ("a young explorer", "a treasure hunter", "a reluctant sailor", "an orphan"),
        ("sets out to find a lost map", "embarks on a perilous expedition",
         "crosses uncharted jungle", "searches for a legendary temple"),
        ("on a remote island", "across the desert", "in the high mountains"),
    ),
    "Animation": (
        ("a brave little fox", "a talking robot", "a curious penguin", "a young dragon"),
        ("learns the value of friendship", "goes on a magical quest",
         "saves the enchanted forest"),
        ("in a colourful kingdom", "under the sea", "in a toy workshop"),
    ),
    "Biography": (
        ("a pioneering scientist", "a legendary singer", "a self-taught painter"),
        ("rises from poverty to fame", "fights prejudice to change history",
         "tells the true story of a remarkable life"),
        ("in post-war Europe", "in nineteenth-century Paris", "during the civil rights era"),
    ),
    "Comedy": (
        ("a clumsy waiter", "two mismatched roommates", "a grumpy grandfather",
         "a failed comedian"),
        ("plans a disastrous wedding", "swaps lives by mistake", "tries to win back an ex",
         "organises the worst holiday ever"),
        ("in a small seaside town", "during a chaotic family reunion",
         "at a provincial campsite"),
    ),
    "Crime": (
        ("a weary detective", "a gang of thieves", "a crooked cop", "a young lawyer"),
        ("investigates a string of murders", "plans the perfect robbery",
         "uncovers police corruption", "infiltrates the mafia"),
        ("in the streets of Marseille", "in prohibition-era Chicago", "in a rain-soaked city"),
    ),
    "Documentary": (
        ("a filmmaker", "a team of scientists", "local farmers", "former workers"),
        ("explores the hidden history of", "documents the daily life of",
         "investigates the fate of"),
        ("a vanishing village", "the oceans", "a rural community", "the music industry"),
    ),
    "Drama": (
        ("a widowed mother", "a troubled teenager", "an ageing farmer", "two estranged sisters"),
        ("struggles to keep the family together", "confronts a painful past",
         "faces a life-changing choice", "rebuilds a life after tragedy"),
        ("in a declining mining town", "in rural France", "in a working-class suburb"),
    ),
    "Family": (
        ("a lonely boy", "a big-hearted dog", "three siblings", "a kind grandmother"),
        ("saves the family farm", "finds a lost puppy", "prepares the Christmas show"),
        ("during the summer holidays", "in a snowy village", "at grandmother's house"),
    ),
    "Fantasy": (
        ("a young witch", "an exiled prince", "a humble blacksmith", "a cursed knight"),
        ("must break an ancient spell", "discovers hidden magical powers",
         "battles a dark sorcerer"),
        ("in an enchanted realm", "beyond the misty mountains", "in a kingdom of giants"),
    ),
    "History": (
        ("a loyal general", "a peasant queen", "a resistance fighter"),
        ("leads a desperate rebellion", "defends the throne", "changes the course of the war"),
        ("in medieval France", "during the French Revolution", "in ancient Rome"),
    ),
    "Horror": (
        ("a grieving family", "a group of students", "a night nurse", "a priest"),
        ("is haunted by a vengeful spirit", "awakens an ancient evil",
         "is hunted by a masked killer"),
        ("in an abandoned asylum", "in a cursed farmhouse", "deep in the woods"),
    ),
    "Music": (
        ("a struggling band", "a gifted violinist", "a jazz pianist"),
        ("prepares for the concert of a lifetime", "chases a record deal", "finds a lost song"),
        ("in the clubs of New Orleans", "at the conservatory", "on a European tour"),
    ),
    "Mystery": (
        ("an amateur sleuth", "a retired inspector", "a curious journalist"),
        ("unravels a baffling disappearance", "follows cryptic clues",
         "solves a locked-room murder"),
        ("in an isolated manor", "on a snowbound train", "in a sleepy village"),
    ),
    "Romance": (
        ("a shy librarian", "a charming stranger", "two former lovers", "a young widow"),
        ("falls unexpectedly in love", "rediscovers a lost love",
         "must choose between love and duty"),
        ("in Paris in the springtime", "on a Mediterranean island", "during a rainy autumn"),
    ),
    "Sci-Fi": (
        ("an astronaut", "a rogue android", "a quantum physicist", "the last colonists"),
        ("travels through time", "makes first contact with aliens", "fights a rebellious AI"),
        ("on a dying planet", "aboard a starship", "in a dystopian megacity"),
    ),
    "Sport": (
        ("a washed-up boxer", "an underdog football team", "a young cyclist"),
        ("trains for the championship", "makes an unlikely comeback",
         "races in the Tour de France"),
        ("in a small industrial town", "at the Olympic Games", "on the final lap"),
    ),
    "Thriller": (
        ("a paranoid accountant", "a kidnapped child", "an undercover agent", "a witness"),
        ("is drawn into a deadly conspiracy", "must escape a relentless stalker",
         "uncovers a government cover-up"),
        ("in a sleepless city", "over one terrifying night", "behind closed doors"),
    ),
    "War": (
        ("a young private", "a platoon of soldiers", "a field nurse"),
        ("survives the trenches", "holds the bridge at all costs", "escapes from a prison camp"),
        ("on the Western Front", "in occupied France", "in the Pacific"),
    ),
    "Western": (
        ("a lone gunslinger", "a frontier sheriff", "a bounty hunter"),
        ("seeks revenge on the outlaws", "defends a homestead", "rides into a lawless town"),
        ("in the Wild West", "across the desert plains", "on the Mexican border"),
    ),
}
