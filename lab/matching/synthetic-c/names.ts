/**
 * Name sources of the third synthetic population (generator C, held out: never used to train or tune the
 * shipped model, only to report on it). Written independently of generators A and B: other communities
 * (Guatemalan Maya, Honduran and Salvadoran, Dominican and Puerto Rican, Oaxacan, Brazilian, Filipino,
 * Karen, Congolese, Ukrainian), other lists, other pet names and English forms. Weights are rough
 * relative frequencies set by hand; nothing here was fitted to the matcher.
 */

/** [name, weight]. A space is a compound name. */
export type WeightedC = ReadonlyArray<readonly [string, number]>;

/** How a community builds a child's surnames and how clerks see them. */
export type SurnameSystem =
  | 'paternal-maternal' // Spanish: father's first surname, then mother's first surname
  | 'maternal-paternal' // Portuguese: mother's surname, then father's (the last one is the legal one)
  | 'filipino' // one surname (father's), the mother's maiden surname in the middle box
  | 'none' // Karen: no family name; clerks put the last syllable (or the whole name) in the surname box
  | 'own' // Congolese: each child gets its own surname, often unlike the parents'
  | 'gendered'; // Ukrainian: one surname, feminine form for girls, patronymic in the middle box

export interface CommunityC {
  key: string;
  weight: number;
  system: SurnameSystem;
  female: WeightedC;
  male: WeightedC;
  surnames: WeightedC;
  /** Towns families come from (city, state or province, country). */
  places: ReadonlyArray<readonly [string, string, string]>;
}

const w = (names: string, weight = 1): WeightedC =>
  names.split(',').map((n, i, all) => [n.trim(), weight * (1 + (all.length - i) / all.length)] as const);

export const COMMUNITIES_C: readonly CommunityC[] = [
  {
    key: 'guatemalan',
    weight: 22,
    system: 'paternal-maternal',
    female: w(
      'Heidy, Yoselin, Madelin, Wendy, Rigoberta, Marleny, Sindy, Glendy, Ingrid, Yesica, Ana Lucía, María Isabel, ' +
        'Rosa Elvira, Candelaria, Juana, Catarina, Manuela, Lesbia, Evelin, Astrid, Dulce Rocío, Aura Marina',
    ),
    male: w(
      'Edwin, Wilmer, Elmer, Byron, Dilan, Brayan, Kevin, Jefferson, Selvin, Eswin, Mynor, Estuardo, Juan José, ' +
        'José Manuel, Luis Fernando, Francisco, Domingo, Sebastián, Diego Alejandro, Marvin, Walter, Otoniel',
    ),
    surnames: w(
      'Tzoc, Xol, Caal, Choc, Pop, Coc, Tiul, Ical, Chub, Cux, Ajanel, Tum, Batz, Yat, Cac, Quej, Sicán, Tzul, ' +
        'López, Pérez, García, Hernández, Gómez, Ramírez, Ixcoy, Velásquez, Chávez, Morales, Jiménez',
    ),
    places: [
      ['Cobán', 'Alta Verapaz', 'GT'],
      ['Totonicapán', 'Totonicapán', 'GT'],
      ['San Marcos', 'San Marcos', 'GT'],
      ['Huehuetenango', 'Huehuetenango', 'GT'],
      ['Quetzaltenango', 'Quetzaltenango', 'GT'],
    ],
  },
  {
    key: 'honduran-salvadoran',
    weight: 18,
    system: 'paternal-maternal',
    female: w(
      'Nohemy, Kenia, Dania, Yeimi, Karla Patricia, Gloria Esperanza, Jennifer, Maryuri, Doris, Sonia, Reina Isabel, ' +
        'Fátima, Scarleth, Nathaly, Genesis, Daysi, Marta Alicia, Josselyn, Xiomara, Elsy, Iris Yamileth',
    ),
    male: w(
      'Marlon, Osmin, Nelson, Elvin, Wilfredo, José Rafael, Carlos Roberto, Kevin Josué, Nahún, Douglas, Ever, ' +
        'Franklin, Henry, Josué, Roberto Carlos, Yonatan, Santos, Eliseo, Jairo, Alexis, Óscar Armando',
    ),
    surnames: w(
      'Ramos, Flores, Mejía, Reyes, Cruz, Zelaya, Argueta, Portillo, Alvarado, Aguilar, Orellana, Canales, ' +
        'Hernández, Martínez, López, Rivera, Sorto, Amaya, Bonilla, Chicas, Guardado, Funes, Lemus, Escobar',
    ),
    places: [
      ['San Pedro Sula', 'Cortés', 'HN'],
      ['Tegucigalpa', 'Francisco Morazán', 'HN'],
      ['San Miguel', 'San Miguel', 'SV'],
      ['Usulután', 'Usulután', 'SV'],
      ['La Unión', 'La Unión', 'SV'],
    ],
  },
  {
    key: 'caribbean',
    weight: 10,
    system: 'paternal-maternal',
    female: w(
      'Yokasta, Yaritza, Yanelis, Keila, Arisleidy, Yesenia, Ana Rosa, Carmen Luisa, Nicole, Nayelis, Dariana, ' +
        'Esmeralda, Katherine, Joselin, Altagracia, Milagros del Carmen, Yuleisy, Lisbeth',
    ),
    male: w(
      'Wilkin, Yunior, Franklin, Rafael, Juan Carlos, Starlin, Anderson, Elvis, Yefri, Luis Ángel, Ramón Antonio, ' +
        'Jean Carlos, Ariel, Wander, Yeison, Enmanuel, José Miguel, Darwin',
    ),
    surnames: w(
      'Rosario, De León, Del Valle, De Jesús, Peña, Batista, Almonte, Tavárez, Santana, Rodríguez, Féliz, ' +
        'Encarnación, De la Cruz, Polanco, Vargas, Ortiz, Colón, Rivera, Figueroa, Báez',
    ),
    places: [
      ['Santo Domingo', 'Distrito Nacional', 'DO'],
      ['Santiago', 'Santiago', 'DO'],
      ['Mayagüez', 'PR', 'US'],
      ['Ponce', 'PR', 'US'],
    ],
  },
  {
    key: 'oaxacan',
    weight: 14,
    system: 'paternal-maternal',
    // Small pools: many children share a saint's name and the town's few surnames (namesakes).
    female: w('Juana, María, Rosa, Florentina, Eustolia, Lucía, Ana María, Marcelina, Guadalupe, Paula, Esther'),
    male: w('Jesús, Juan, Pedro, Santiago, Bartolo, Crispín, Florencio, Juan Pablo, Eusebio, Lorenzo, Tomás, Isidro'),
    surnames: w('Santiago, Bautista, Martínez, Ortiz, Ramírez, Mendoza, Merino, Sosa, Cruz, Velasco, Feria, Sánchez'),
    places: [
      ['San Juan Copala', 'Oaxaca', 'MX'],
      ['Tlaxiaco', 'Oaxaca', 'MX'],
      ['Juxtlahuaca', 'Oaxaca', 'MX'],
    ],
  },
  {
    key: 'brazilian',
    weight: 7,
    system: 'maternal-paternal',
    female: w(
      'Maria Eduarda, Ana Clara, Ana Júlia, Beatriz, Letícia, Larissa, Giovanna, Yasmin, Vitória, Luana, ' +
        'Maria Clara, Thaís, Raíssa, Isadora',
    ),
    male: w(
      'João Pedro, Pedro Henrique, Gabriel, Guilherme, Lucas, Matheus, Gustavo, Vinícius, Davi, Enzo, ' +
        'João Vitor, Kauã, Thiago, Rafael, Antônio Carlos',
    ),
    surnames: w('Silva, Santos, Oliveira, Souza, Pereira, Ferreira, Alves, Costa, Rodrigues, Lima, Gomes, Ribeiro'),
    places: [
      ['Governador Valadares', 'MG', 'BR'],
      ['Goiânia', 'GO', 'BR'],
      ['Vitória', 'ES', 'BR'],
    ],
  },
  {
    key: 'filipino',
    weight: 5,
    system: 'filipino',
    female: w('Maria Kristina, Princess, Angelica, Mary Grace, Jasmine, Kimberly Anne, Rhea, Jonalyn, Lovely, Mae'),
    male: w('John Paul, Mark Anthony, Jerome, Christian, Jericho, Ronaldo, Rommel, Jayson, Carlo, Junjun'),
    surnames: w('Dela Cruz, Reyes, Santos, Bautista, Mendoza, Villanueva, Ramos, Aquino, Castillo, Manalo, Garcia'),
    places: [
      ['Cebu City', 'Cebu', 'PH'],
      ['Iloilo', 'Iloilo', 'PH'],
    ],
  },
  {
    key: 'karen',
    weight: 5,
    system: 'none',
    female: w('Naw Mu, Paw Say, Hsa Mu, Naw Eh, Mu Paw, Htoo Paw, Naw Htoo, Eh Paw, Say Paw, Mu Wah'),
    male: w('Eh Htoo, Saw Eh, Htoo Htoo, Saw Ler, Eh Doh, Ler Wah, Saw Htoo, Kaw Doh, Pah Lah, Eh Soe'),
    surnames: [],
    places: [
      ['Mae La', 'Tak', 'TH'],
      ['Hpa-an', 'Kayin', 'MM'],
    ],
  },
  {
    key: 'congolese',
    weight: 5,
    system: 'own',
    female: w('Neema, Furaha, Esperance, Grace, Mapendo, Sifa, Riziki, Bahati, Francine, Nadine, Aline'),
    male: w('Amani, Baraka, Jean-Claude, Patrick, Emmanuel, Dieumerci, Fiston, Christian, Jonas, Héritier'),
    surnames: w('Mukendi, Kabila, Ilunga, Mbuyi, Kasongo, Ngoy, Bahati, Mugisha, Nshimiyimana, Habimana, Kalala'),
    places: [
      ['Bukavu', 'Sud-Kivu', 'CD'],
      ['Uvira', 'Sud-Kivu', 'CD'],
      ['Nyarugusu', 'Kigoma', 'TZ'],
    ],
  },
  {
    key: 'ukrainian',
    weight: 4,
    system: 'gendered',
    female: w('Kateryna, Anastasiia, Sofiia, Oleksandra, Daryna, Yuliia, Viktoriia, Polina, Khrystyna'),
    male: w('Oleksandr, Volodymyr, Mykhailo, Dmytro, Andrii, Maksym, Bohdan, Yaroslav, Ivan, Serhii'),
    surnames: w('Kovalenko, Shevchenko, Bondarenko, Tkachenko, Kravchenko, Melnyk, Ivanov, Petrov, Moroz, Lysenko'),
    places: [
      ['Kharkiv', 'Kharkiv', 'UA'],
      ['Odesa', 'Odesa', 'UA'],
    ],
  },
];

/**
 * Karen names: no family name, a given name of one to three syllables chosen freely (so the pool is large even
 * though the syllables are few); `Saw` (men) and `Naw` (women) are honorifics some clerks write as part of the name.
 */
export const KAREN_SYLLABLES: WeightedC = w(
  'Eh, Htoo, Paw, Mu, Say, Ler, Wah, Doh, Soe, Lah, Moo, Blu, Gay, Ku, Hser, Pler, Tha, Dah, Nay, Kyaw, Thaw, ' +
    'Bway, Poe, Hsa, Wei, Kpru, Lwe, Taw, Nu, Kee, Shee, Baw, Gler, Dee, Hta, Mo',
);

/** Pet names, keyed by the registered name (upper case, no accents). Generator C's own list. */
export const PET_NAMES_C: Readonly<Record<string, readonly string[]>> = {
  ROSARIO: ['Chayo'],
  FRANCISCO: ['Kiko', 'Pancho', 'Chico'],
  'JUAN JOSE': ['Juanjo'],
  'JOSE MANUEL': ['Chema', 'Josema'],
  JESUS: ['Chucho', 'Chuy'],
  SANTIAGO: ['Chago'],
  ISIDRO: ['Chilo'],
  FLORENTINA: ['Tina'],
  MARCELINA: ['Chelina'],
  GUADALUPE: ['Lupe', 'Lupita'],
  BARTOLO: ['Tolo'],
  EUSEBIO: ['Chebo'],
  LORENZO: ['Lencho'],
  FLORENCIO: ['Lencho'],
  TOMAS: ['Tomasito'],
  CANDELARIA: ['Cande'],
  MANUELA: ['Manuelita'],
  WILFREDO: ['Willy', 'Fredy'],
  'CARLOS ROBERTO': ['Beto'],
  'ROBERTO CARLOS': ['Beto'],
  'JOSE RAFAEL': ['Rafa'],
  RAFAEL: ['Rafa', 'Fello'],
  'RAMON ANTONIO': ['Moncho'],
  ALTAGRACIA: ['Tatica'],
  'MILAGROS DEL CARMEN': ['Mila'],
  'GLORIA ESPERANZA': ['Espe'],
  JOSUE: ['Josu'],
  'KEVIN JOSUE': ['Kevin'],
  'MARIA EDUARDA': ['Duda'],
  'JOAO PEDRO': ['Joca'],
  'PEDRO HENRIQUE': ['Pedrinho'],
  GUILHERME: ['Gui'],
  'ANA JULIA': ['Aninha'],
  'MARIA KRISTINA': ['Tin', 'Tina'],
  'JOHN PAUL': ['JP'],
  'MARK ANTHONY': ['Macoy'],
  'MARY GRACE': ['Grace'],
  OLEKSANDR: ['Sasha', 'Sashko'],
  OLEKSANDRA: ['Sasha'],
  VOLODYMYR: ['Vova'],
  MYKHAILO: ['Misha'],
  KATERYNA: ['Katya'],
  ANASTASIIA: ['Nastia'],
  DMYTRO: ['Dima'],
  DIEUMERCI: ['Merci'],
  ESPERANCE: ['Espe'],
  'JEAN-CLAUDE': ['Claude'],
  'DIEGO ALEJANDRO': ['Diego', 'Ale'],
  'LUIS FERNANDO': ['Fer', 'Nando'],
  FRANKLIN: ['Frank'],
  ENMANUEL: ['Manny'],
};

/** English forms schools write, keyed by the first part of the registered name. Generator C's own list. */
export const ENGLISH_C: Readonly<Record<string, string>> = {
  JUAN: 'John',
  JOSE: 'Joseph',
  PEDRO: 'Peter',
  TOMAS: 'Thomas',
  FRANCISCO: 'Frank',
  SANTIAGO: 'James',
  DOMINGO: 'Dominic',
  SEBASTIAN: 'Sebastian',
  LORENZO: 'Lawrence',
  ISIDRO: 'Isidore',
  JUANA: 'Jane',
  ROSA: 'Rose',
  LUCIA: 'Lucy',
  MARIA: 'Mary',
  CATARINA: 'Catherine',
  PAULA: 'Paula',
  ESTHER: 'Esther',
  JOAO: 'John',
  GABRIEL: 'Gabe',
  LUCAS: 'Luke',
  MATHEUS: 'Matthew',
  THIAGO: 'Tiago',
  OLEKSANDR: 'Alexander',
  MYKHAILO: 'Michael',
  ANDRII: 'Andrew',
  IVAN: 'John',
  KATERYNA: 'Katherine',
  SOFIIA: 'Sophia',
  YULIIA: 'Julia',
  VIKTORIIA: 'Victoria',
  KHRYSTYNA: 'Christina',
  ROBERTO: 'Robert',
  'JOSE RAFAEL': 'Joseph',
  RAFAEL: 'Ralph',
  ENMANUEL: 'Emmanuel',
  EMMANUEL: 'Emmanuel',
  HERITIER: 'Heritier',
};

/** US states families move through, with relative enrolment weights. */
export const STATES_C: WeightedC = [
  ['CA', 20],
  ['TX', 14],
  ['FL', 10],
  ['WA', 8],
  ['NC', 7],
  ['GA', 6],
  ['MI', 5],
  ['NY', 5],
  ['OR', 5],
  ['PA', 4],
  ['ID', 3],
  ['KY', 3],
  ['MN', 3],
  ['NE', 3],
  ['AR', 2],
  ['KS', 2],
];
