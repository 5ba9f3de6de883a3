/**
 * Ed-Fi interchange XML (Data Standard 5.2 bulk files) -> Ed-Fi API JSON, for
 * the entities of the Grand Bend sample files the gateway serves. The rules
 * are the ones the ODS/API bulk loader follows: camelCase names, identity
 * blocks flattened into `…Reference` objects, descriptor elements renamed
 * `…Descriptor`, repeating elements as arrays, `0`/`1` as booleans, school
 * years `2021-2022` as `{ schoolYear: 2022 }`, `ref=` IDREFs resolved, and
 * values trimmed (the sample writes `255901 ` in 286 places).
 */
import { XMLParser } from 'fast-xml-parser';

type Node = Record<string, unknown>;

const REPEATING = new Set([
  'Student',
  'LocalEducationAgency',
  'School',
  'Program',
  'Course',
  'StudentMigrantEducationProgramAssociation',
  'StudentAssessment',
  'EducationServiceCenter',
  'Location',
  'ClassPeriod',
  'AccountabilityRating',
  'StudentProgramAssociation',
  'Address',
  'InstitutionTelephone',
  'EducationOrganizationIdentificationCode',
  'EducationOrganizationCategory',
  'EducationOrganizationIndicator',
  'GradeLevel',
  'SchoolCategory',
  'ProgramSponsor',
  'CourseIdentificationCode',
  'CourseLevelCharacteristic',
  'AcademicSubject',
  'LearningStandardReference',
  'ScoreResult',
  'PerformanceLevel',
  'Visa',
  'Period',
  'OfferedGradeLevel',
  'MigrantEducationProgramService',
  'ProgramParticipationStatus',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name, jpath) => REPEATING.has(name) && String(jpath).split('.').length > 1,
});

const obj = (v: unknown): Node => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : {});
const list = (v: unknown): Node[] => (Array.isArray(v) ? v.map(obj) : v === undefined ? [] : [obj(v)]);
/** Text of repeating leaf elements (`<GradeLevel>…</GradeLevel>` twice). */
const texts = (v: unknown): string[] =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v]).map((x) => text(x)).filter((x): x is string => x !== undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const int = (v: unknown): number | undefined => (text(v) === undefined ? undefined : Number(text(v)));
const bool = (v: unknown): boolean | undefined =>
  text(v) === undefined ? undefined : text(v) === '1' || text(v)?.toLowerCase() === 'true';
const schoolYear = (v: unknown): number | undefined => {
  const t = text(v);
  return t === undefined ? undefined : Number(t.includes('-') ? t.split('-')[1] : t);
};

/** Drops undefined members and empty arrays, as an API client would not send them. */
function compact<T extends Node>(o: T): T {
  for (const [k, v] of Object.entries(o)) if (v === undefined || (Array.isArray(v) && v.length === 0)) delete o[k];
  return o;
}

const edorgId = (n: unknown) => int(obj(obj(obj(n).EducationOrganizationIdentity)).EducationOrganizationId);
const studentRef = (n: unknown) => ({ studentUniqueId: text(obj(obj(n).StudentIdentity).StudentUniqueId)! });

/** The id/ref index of a document, so `<LocalEducationAgencyReference ref="LEAG_255901"/>` can be resolved. */
function byXmlId(root: Node): Map<string, { name: string; node: Node }> {
  const out = new Map<string, { name: string; node: Node }>();
  for (const [name, v] of Object.entries(root))
    for (const n of list(v)) if (typeof n['@_id'] === 'string') out.set(n['@_id'], { name, node: n });
  return out;
}

function edorgCommon(n: Node) {
  return {
    nameOfInstitution: text(n.NameOfInstitution)!,
    shortNameOfInstitution: text(n.ShortNameOfInstitution),
    webSite: text(n.WebSite),
    addresses: list(n.Address).map((a) =>
      compact({
        addressTypeDescriptor: text(a.AddressType)!,
        stateAbbreviationDescriptor: text(a.StateAbbreviation)!,
        city: text(a.City)!,
        postalCode: text(a.PostalCode)!,
        streetNumberName: text(a.StreetNumberName)!,
        nameOfCounty: text(a.NameOfCounty),
      }),
    ),
    institutionTelephones: list(n.InstitutionTelephone).map((t) => ({
      institutionTelephoneNumberTypeDescriptor: text(t.InstitutionTelephoneNumberType)!,
      telephoneNumber: text(t.TelephoneNumber)!,
    })),
    identificationCodes: list(n.EducationOrganizationIdentificationCode).map((c) => ({
      educationOrganizationIdentificationSystemDescriptor: text(c.EducationOrganizationIdentificationSystem)!,
      identificationCode: text(c.IdentificationCode)!,
    })),
    indicators: list(n.EducationOrganizationIndicator).map((i) =>
      compact({
        indicatorDescriptor: text(i.Indicator)!,
        indicatorGroupDescriptor: text(i.IndicatorGroup),
        indicatorLevelDescriptor: text(i.IndicatorLevel),
        indicatorValue: text(i.IndicatorValue),
        periods: list(i.Period).map((p) => compact({ beginDate: text(p.BeginDate)!, endDate: text(p.EndDate) })),
      }),
    ),
    operationalStatusDescriptor: text(n.OperationalStatus),
  };
}

/** One converted document, with the interchange element it came from. */
export interface Converted {
  element: string;
  resource: string;
  body: Node;
}

const CONVERT: Record<string, (n: Node, ids: Map<string, { name: string; node: Node }>) => Converted> = {
  LocalEducationAgency: (n, ids) => {
    const esc =
      typeof obj(n.EducationServiceCenterReference)['@_ref'] === 'string'
        ? ids.get(obj(n.EducationServiceCenterReference)['@_ref'] as string)
        : undefined;
    return {
      element: 'LocalEducationAgency',
      resource: 'localEducationAgencies',
      body: compact({
        localEducationAgencyId: int(n.LocalEducationAgencyId)!,
        ...edorgCommon(n),
        categories: texts(n.EducationOrganizationCategory).map((c) => ({ educationOrganizationCategoryDescriptor: c })),
        localEducationAgencyCategoryDescriptor: text(n.LocalEducationAgencyCategory)!,
        educationServiceCenterReference: esc
          ? { educationServiceCenterId: int(esc.node.EducationServiceCenterId)! }
          : undefined,
      }),
    };
  },
  School: (n, ids) => {
    const leaRef = obj(n.LocalEducationAgencyReference);
    const lea = typeof leaRef['@_ref'] === 'string' ? ids.get(leaRef['@_ref'] as string)?.node : undefined;
    const leaId = lea
      ? int(lea.LocalEducationAgencyId)
      : int(obj(leaRef.LocalEducationAgencyIdentity).LocalEducationAgencyId);
    return {
      element: 'School',
      resource: 'schools',
      body: compact({
        schoolId: int(n.SchoolId)!,
        ...edorgCommon(n),
        educationOrganizationCategories: texts(n.EducationOrganizationCategory).map((c) => ({
          educationOrganizationCategoryDescriptor: c,
        })),
        gradeLevels: texts(n.GradeLevel).map((g) => ({ gradeLevelDescriptor: g })),
        schoolCategories: texts(n.SchoolCategory).map((c) => ({ schoolCategoryDescriptor: c })),
        schoolTypeDescriptor: text(n.SchoolType),
        charterStatusDescriptor: text(n.CharterStatus),
        titleIPartASchoolDesignationDescriptor: text(n.TitleIPartASchoolDesignation),
        administrativeFundingControlDescriptor: text(n.AdministrativeFundingControl),
        localEducationAgencyReference: leaId === undefined ? undefined : { localEducationAgencyId: leaId },
      }),
    };
  },
  Program: (n) => ({
    element: 'Program',
    resource: 'programs',
    body: compact({
      educationOrganizationReference: { educationOrganizationId: edorgId(n.EducationOrganizationReference)! },
      programId: text(n.ProgramId),
      programName: text(n.ProgramName)!,
      programTypeDescriptor: text(n.ProgramType)!,
      sponsors: texts(n.ProgramSponsor).map((s) => ({ programSponsorDescriptor: s })),
    }),
  }),
  Course: (n) => ({
    element: 'Course',
    resource: 'courses',
    body: compact({
      courseCode: text(n.CourseCode)!,
      courseTitle: text(n.CourseTitle)!,
      numberOfParts: int(n.NumberOfParts)!,
      identificationCodes: list(n.CourseIdentificationCode).map((c) =>
        compact({
          identificationCode: text(c.IdentificationCode)!,
          courseIdentificationSystemDescriptor: text(c.CourseIdentificationSystem)!,
          courseCatalogURL: text(c.CourseCatalogURL),
        }),
      ),
      levelCharacteristics: texts(n.CourseLevelCharacteristic).map((c) => ({ courseLevelCharacteristicDescriptor: c })),
      academicSubjects: texts(n.AcademicSubject).map((c) => ({ academicSubjectDescriptor: c })),
      courseDescription: text(n.CourseDescription),
      highSchoolCourseRequirement: bool(n.HighSchoolCourseRequirement),
      courseGPAApplicabilityDescriptor: text(n.CourseGPAApplicability),
      courseDefinedByDescriptor: text(n.CourseDefinedBy),
      educationOrganizationReference: { educationOrganizationId: edorgId(n.EducationOrganizationReference)! },
      learningStandards: list(n.LearningStandardReference).map((l) => ({
        learningStandardReference: { learningStandardId: text(obj(l.LearningStandardIdentity).LearningStandardId)! },
      })),
    }),
  }),
  Student: (n) => {
    const name = obj(n.Name),
      birth = obj(n.BirthData),
      cit = obj(n.Citizenship),
      person = obj(obj(n.PersonReference).PersonIdentity);
    return {
      element: 'Student',
      resource: 'students',
      body: compact({
        studentUniqueId: text(n.StudentUniqueId)!,
        personalTitlePrefix: text(name.PersonalTitlePrefix),
        firstName: text(name.FirstName)!,
        middleName: text(name.MiddleName),
        lastSurname: text(name.LastSurname)!,
        generationCodeSuffix: text(name.GenerationCodeSuffix),
        preferredFirstName: text(name.PreferredFirstName),
        preferredLastSurname: text(name.PreferredLastSurname),
        birthDate: text(birth.BirthDate)!,
        birthSexDescriptor: text(birth.BirthSex),
        birthCity: text(birth.BirthCity),
        birthCountryDescriptor: text(birth.BirthCountry),
        birthStateAbbreviationDescriptor: text(birth.BirthStateAbbreviation),
        multipleBirthStatus: bool(birth.MultipleBirthStatus),
        citizenshipStatusDescriptor: text(cit.CitizenshipStatus),
        visas: texts(cit.Visa).map((v) => ({ visaDescriptor: v })),
        personReference: text(person.PersonId)
          ? { personId: text(person.PersonId)!, sourceSystemDescriptor: text(person.SourceSystem)! }
          : undefined,
      }),
    };
  },
  StudentMigrantEducationProgramAssociation: (n) => {
    const p = obj(obj(n.ProgramReference).ProgramIdentity);
    return {
      element: 'StudentMigrantEducationProgramAssociation',
      resource: 'studentMigrantEducationProgramAssociations',
      body: compact({
        studentReference: studentRef(n.StudentReference),
        programReference: {
          educationOrganizationId: edorgId(p.EducationOrganizationReference)!,
          programName: text(p.ProgramName)!,
          programTypeDescriptor: text(p.ProgramType)!,
        },
        educationOrganizationReference: { educationOrganizationId: edorgId(n.EducationOrganizationReference)! },
        beginDate: text(n.BeginDate)!,
        endDate: text(n.EndDate),
        priorityForServices: bool(n.PriorityForServices)!,
        lastQualifyingMove: text(n.LastQualifyingMove)!,
        qualifyingArrivalDate: text(n.QualifyingArrivalDate),
        eligibilityExpirationDate: text(n.EligibilityExpirationDate),
        continuationOfServicesReasonDescriptor: text(n.ContinuationOfServicesReason),
        usInitialEntry: text(n.USInitialEntry),
        migrantEducationProgramServices: texts(n.MigrantEducationProgramService).map((s) => ({
          migrantEducationProgramServiceDescriptor: s,
        })),
      }),
    };
  },
  StudentAssessment: (n) => {
    const a = obj(obj(n.AssessmentReference).AssessmentIdentity);
    return {
      element: 'StudentAssessment',
      resource: 'studentAssessments',
      body: compact({
        studentAssessmentIdentifier: text(n.StudentAssessmentIdentifier)!,
        assessmentReference: { assessmentIdentifier: text(a.AssessmentIdentifier)!, namespace: text(a.Namespace)! },
        studentReference: studentRef(n.StudentReference),
        administrationDate: text(n.AdministrationDate),
        serialNumber: text(n.SerialNumber),
        administrationLanguageDescriptor: text(n.AdministrationLanguage),
        administrationEnvironmentDescriptor: text(n.AdministrationEnvironment),
        scoreResults: list(n.ScoreResult).map((s) => ({
          result: text(s.Result)!,
          resultDatatypeTypeDescriptor: text(s.ResultDatatypeType)!,
          assessmentReportingMethodDescriptor: text(s.AssessmentReportingMethod)!,
        })),
        whenAssessedGradeLevelDescriptor: text(n.WhenAssessedGradeLevel),
        performanceLevels: list(n.PerformanceLevel).map((p) =>
          compact({
            performanceLevelDescriptor: texts(p.PerformanceLevel)[0]!,
            assessmentReportingMethodDescriptor: text(p.AssessmentReportingMethod)!,
            performanceLevelIndicatorName: text(p.PerformanceLevelIndicatorName),
          }),
        ),
        schoolYearTypeReference:
          schoolYear(n.SchoolYear) === undefined ? undefined : { schoolYear: schoolYear(n.SchoolYear)! },
        platformTypeDescriptor: text(n.PlatformType),
      }),
    };
  },
};

/** Converts the entities of one interchange file that the gateway serves; `skipped` counts the other elements. */
export function convertInterchange(xml: string): { documents: Converted[]; skipped: Record<string, number> } {
  const doc = parser.parse(xml) as Node;
  const rootName = Object.keys(doc).find((k) => k.startsWith('Interchange'));
  if (!rootName) throw new Error('not an Ed-Fi interchange document');
  const root = obj(doc[rootName]);
  const ids = byXmlId(root);
  const documents: Converted[] = [];
  const skipped: Record<string, number> = {};
  for (const [name, v] of Object.entries(root)) {
    if (name.startsWith('@_')) continue;
    const convert = CONVERT[name];
    for (const n of list(v)) {
      if (convert) documents.push(convert(n, ids));
      else skipped[name] = (skipped[name] ?? 0) + 1;
    }
  }
  return { documents, skipped };
}
