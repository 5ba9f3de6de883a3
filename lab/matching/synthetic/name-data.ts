/**
 * Name and place frequencies for the synthetic migrant population. Weights
 * are rough relative frequencies (US Census surname counts in thousands for
 * the common Hispanic surnames; hand-set for given names). Rare indigenous
 * and Central-American surnames are included on purpose: agreement on them
 * must weigh more than agreement on GARCÍA.
 */

export const SURNAMES: ReadonlyArray<readonly [string, number]> = [
  ['García', 1166], ['Rodríguez', 1095], ['Martínez', 1060], ['Hernández', 1043], ['López', 875], ['González', 841],
  ['Pérez', 681], ['Sánchez', 612], ['Ramírez', 557], ['Torres', 437], ['Flores', 431], ['Rivera', 414], ['Gómez', 387],
  ['Díaz', 386], ['Cruz', 313], ['Morales', 338], ['Gutiérrez', 329], ['Ortiz', 324], ['Ramos', 308], ['Chávez', 295],
  ['Mendoza', 275], ['Ruiz', 275], ['Álvarez', 269], ['Castillo', 272], ['Jiménez', 270], ['Vásquez', 268], ['Moreno', 264],
  ['Herrera', 238], ['Medina', 237], ['Aguilar', 236], ['Vargas', 234], ['Guzmán', 204], ['Méndez', 203], ['Romero', 200],
  ['Castro', 204], ['Salazar', 181], ['Soto', 168], ['Delgado', 168], ['Peña', 159], ['Ríos', 153], ['Vega', 154],
  ['Ortega', 177], ['Estrada', 144], ['Sandoval', 144], ['Núñez', 141], ['Domínguez', 135], ['Contreras', 156],
  ['Guerrero', 140], ['Luna', 136], ['Juárez', 144], ['Espinoza', 128], ['Cabrera', 100], ['Campos', 117], ['Fuentes', 100],
  ['Ávila', 109], ['Cervantes', 98], ['Santiago', 127], ['Ibarra', 90], ['Lara', 93], ['Valdez', 118], ['Acosta', 105],
  ['Navarro', 100], ['Padilla', 101], ['Maldonado', 106], ['Salinas', 90], ['Rosales', 85], ['Zamora', 75], ['Trujillo', 84],
  ['Villarreal', 84], ['Miranda', 93], ['Cortez', 90], ['Molina', 93], ['Márquez', 88], ['Rangel', 70], ['Durán', 86],
  ['Cárdenas', 75], ['Carrillo', 80], ['Velásquez', 80], ['Bautista', 60], ['Gallegos', 70], ['Figueroa', 85], ['Solís', 80],
  ['Escobar', 60], ['Sosa', 65], ['Pacheco', 70], ['Arellano', 55], ['Tapia', 55], ['Orozco', 65], ['Montoya', 62],
  ['Galván', 50], ['Camacho', 65], ['Huerta', 60], ['Ochoa', 58], ['Zavala', 44], ['Velázquez', 68], ['Lozano', 60],
  ['Valencia', 60], ['Villanueva', 60], ['Arroyo', 50], ['Barrera', 53], ['Nava', 40], ['de la Cruz', 80], ['de León', 70],
  ['del Río', 30], ['Ponce', 50], ['Cisneros', 48], ['Murillo', 45], ['Macías', 50], ['Mejía', 80], ['Santos', 90],
  ['Calderón', 60], ['León', 60], ['Pineda', 50], ['Vázquez', 130], ['Bravo', 35], ['Zúñiga', 45], ['Meza', 45],
  ['Olvera', 30], ['Quintero', 40], ['Saucedo', 30], ['Gil', 30], ['Beltrán', 35], ['Hidalgo', 30], ['Valle', 30],
  ['Xocua', 2], ['Tlatelpa', 2], ['Cuautle', 2], ['Xochihua', 2], ['Tzompa', 2], ['Quetzal', 1], ['Ixta', 1], ['Tepoz', 1],
  ['Chimal', 2], ['Tecuatl', 1], ['Huitzil', 1], ['Ocelotl', 1], ['Moctezuma', 3], ['Cuauhtémoc', 1], ['Xicoténcatl', 1],
  ['Ajanel', 2], ['Tzul', 2], ['Xuc', 1], ['Cux', 1], ['Coc', 2], ['Tum', 1], ['Quej', 1], ['Ixcoy', 1], ['Chuc', 1],
  ['Yax', 1], ['Canul', 2], ['Pech', 2], ['Poot', 1], ['Chan', 3], ['Uc', 2], ['Ek', 1], ['Itzá', 1], ['Balam', 2],
  ['Smith', 40], ['Johnson', 30], ['Williams', 25], ['Brown', 20], ['Nguyen', 20], ['Miller', 15], ['Davis', 15], ['Wilson', 10],
];

/** Given names by sex; a space makes a compound name (MARÍA GUADALUPE). */
export const GIVEN_MALE: ReadonlyArray<readonly [string, number]> = [
  ['José', 100], ['Juan', 80], ['Luis', 60], ['Carlos', 55], ['Jesús', 50], ['Miguel', 50], ['Jorge', 35], ['Antonio', 35],
  ['Francisco', 35], ['Alejandro', 40], ['Daniel', 50], ['Ángel', 50], ['David', 45], ['José Luis', 25], ['Juan Carlos', 20],
  ['Eduardo', 25], ['Fernando', 25], ['Ricardo', 20], ['Roberto', 20], ['Manuel', 25], ['Pedro', 20], ['Alberto', 15],
  ['Guillermo', 15], ['Ignacio', 8], ['Enrique', 15], ['Rafael', 15], ['Javier', 25], ['Óscar', 20], ['Sergio', 15],
  ['Adrián', 20], ['Diego', 30], ['Emiliano', 15], ['Santiago', 20], ['Mateo', 20], ['Sebastián', 25], ['Christopher', 20],
  ['Brian', 15], ['Kevin', 15], ['Jonathan', 15], ['Anthony', 20], ['Cristian', 15], ['Iván', 15], ['Erick', 12], ['Julio', 12],
  ['Raúl', 12], ['Héctor', 12], ['Mario', 12], ['Rubén', 12], ['Salvador', 10], ['Gerardo', 12], ['Alfonso', 8], ['Lorenzo', 6],
  ['Vicente', 6], ['Rigoberto', 5], ['Humberto', 6], ['Gilberto', 6], ['Josué', 12], ['Isaac', 10], ['Abraham', 10], ['Uriel', 8],
  ['Axel', 10], ['Alan', 10], ['Gael', 8], ['Leonardo', 12], ['Noé', 6], ['Gustavo', 8], ['Marco Antonio', 8], ['José Manuel', 8],
  ['José Ángel', 8], ['Juan Pablo', 6], ['Luis Ángel', 8], ['Eduardo José', 2], ['Edgar', 10], ['Omar', 10], ['Víctor', 12],
  ['Jaime', 8], ['Ernesto', 6], ['Armando', 8], ['Arturo', 8], ['Felipe', 6], ['Tomás', 6], ['Andrés', 10], ['Samuel', 10],
  ['Benjamín', 8], ['Joel', 8], ['Moisés', 6], ['William', 8], ['Michael', 8], ['Xavier', 4], ['Yahir', 5], ['Brayan', 6],
];

export const GIVEN_FEMALE: ReadonlyArray<readonly [string, number]> = [
  ['María', 30], ['María Guadalupe', 25], ['Guadalupe', 20], ['María Fernanda', 15], ['María José', 10], ['Ana', 20],
  ['Ana María', 8], ['Sofía', 30], ['Valeria', 30], ['Camila', 25], ['Ximena', 20], ['Daniela', 30], ['Fernanda', 20],
  ['Andrea', 25], ['Alejandra', 25], ['Gabriela', 20], ['Mariana', 25], ['Jennifer', 15], ['Jessica', 15], ['Leslie', 12],
  ['Karla', 15], ['Diana', 15], ['Esmeralda', 15], ['Yesenia', 10], ['Verónica', 10], ['Patricia', 10], ['Rosa', 12],
  ['Rosario', 8], ['Dolores', 5], ['Consuelo', 4], ['Araceli', 6], ['Leticia', 6], ['Teresa', 8], ['Elizabeth', 15],
  ['Itzel', 12], ['Abigail', 12], ['Natalia', 15], ['Alondra', 12], ['Brenda', 12], ['Adriana', 12], ['Mónica', 10],
  ['Paola', 12], ['Jazmín', 12], ['Evelyn', 12], ['Ashley', 15], ['Emily', 15], ['Kimberly', 15], ['Stephanie', 12],
  ['Melanie', 10], ['Isabella', 20], ['Victoria', 15], ['Luz María', 5], ['María de Jesús', 5], ['María del Carmen', 5],
  ['María Elena', 5], ['María Isabel', 5], ['Dulce María', 6], ['Ana Laura', 5], ['Juana', 8], ['Francisca', 4], ['Josefa', 3],
  ['Concepción', 3], ['Margarita', 6], ['Yolanda', 5], ['Cristina', 8], ['Alicia', 8], ['Lucía', 10], ['Carmen', 8],
  ['Angélica', 8], ['Nayeli', 8], ['Citlali', 6], ['Xóchitl', 4], ['Maritza', 5], ['Wendy', 6], ['Lizbeth', 6], ['Perla', 6],
];

/** States with many migrant children, weighted. */
export const STATES: ReadonlyArray<readonly [string, number]> = [
  ['CA', 30], ['TX', 20], ['FL', 8], ['WA', 8], ['OR', 6], ['MI', 4], ['NC', 4], ['GA', 3], ['ID', 3], ['KS', 3], ['NY', 3],
  ['AZ', 4], ['CO', 3], ['IL', 3], ['PA', 3], ['NE', 2], ['OK', 2], ['AR', 2], ['MN', 2], ['WI', 2],
];

export const BIRTH_PLACES: ReadonlyArray<readonly [string, string, string]> = [
  ['Guadalajara', 'Jalisco', 'MX'], ['Morelia', 'Michoacán', 'MX'], ['Uruapan', 'Michoacán', 'MX'], ['Oaxaca', 'Oaxaca', 'MX'],
  ['Puebla', 'Puebla', 'MX'], ['Tlaxcala', 'Tlaxcala', 'MX'], ['León', 'Guanajuato', 'MX'], ['Zacatecas', 'Zacatecas', 'MX'],
  ['Culiacán', 'Sinaloa', 'MX'], ['Hermosillo', 'Sonora', 'MX'], ['Mérida', 'Yucatán', 'MX'], ['Acapulco', 'Guerrero', 'MX'],
  ['Huehuetenango', 'Huehuetenango', 'GT'], ['Quetzaltenango', 'Quetzaltenango', 'GT'], ['San Pedro Sula', 'Cortés', 'HN'],
  ['Fresno', 'CA', 'US'], ['Salinas', 'CA', 'US'], ['Bakersfield', 'CA', 'US'], ['McAllen', 'TX', 'US'], ['Brownsville', 'TX', 'US'],
  ['Yakima', 'WA', 'US'], ['Immokalee', 'FL', 'US'], ['Homestead', 'FL', 'US'], ['Salem', 'OR', 'US'], ['Dalton', 'GA', 'US'],
];
