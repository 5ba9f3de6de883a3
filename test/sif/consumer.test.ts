/**
 * Done when (issue 15): a SIF consumer written from the specification alone (HTTP on loopback and the XSDs; nothing
 * of the gateway's code) creates an environment, writes a migrant child's StudentPersonal, StudentSchoolEnrollment
 * and StudentMigrant as Texas with SIF_HMACSHA256, sees the child matched with Michigan's Ed-Fi records of the same
 * child, receives the move notice on its queue, and reads the consolidated academic record as SIF XML and as JSON.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { createClient } from '../../core/security/clients.js';
import { putEndpoint } from '../../core/exchange/endpoints.js';
import { MemoryReplayGuard } from '../../core/security/replay-guard.js';
import { verifySifAuthorization } from '../../core/security/sif-hmac.js';
import { edfiClient } from '../edfi/support/client.js';
import { lea, program, school, smepa, ssa, student, LEA_ID, SCHOOL_ID } from '../edfi/support/fixtures.js';
import { eventually, startSystem, type TestSystem } from '../support/system.js';
import { xmllint } from './support.js';

const NA = 'http://www.sifassociation.org/datamodel/na/4.x';
const INFRA = 'http://www.sifassociation.org/infrastructure/3.2.1';
const TERM = 'uri://ed-fi.org/TermDescriptor#Fall Semester';

/** A minimal SIF 3 consumer: environment, HMAC authorization, the requests connector and a queue. */
class SifConsumer {
  token = '';
  base = '';
  constructor(
    private readonly root: string,
    private readonly key: string,
    private readonly secret: string,
  ) {}

  private authorization(): Record<string, string> {
    const timestamp = new Date().toISOString();
    const hash = createHmac('sha256', this.secret).update(`${this.token}:${timestamp}`).digest('base64');
    const value = Buffer.from(`${this.token}:${hash}`).toString('base64');
    return { authorization: `SIF_HMACSHA256 ${value}`, timestamp };
  }

  async createEnvironment(): Promise<string> {
    const body =
      `<environment xmlns="${INFRA}"><solutionId>tx-mis</solutionId><authenticationMethod>Basic` +
      '</authenticationMethod><consumerName>Texas MIS</consumerName></environment>';
    const r = await fetch(`${this.root}/sif/v3/environments/environment`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${this.key}:${this.secret}`).toString('base64')}`,
        'content-type': 'application/xml',
        accept: 'application/xml',
      },
      body,
    });
    const text = await r.text();
    expect(r.status, text).toBe(201);
    expect(xmllint(text, 'infra'), text).toBeNull();
    this.token = /<sessionToken>([^<]+)<\/sessionToken>/.exec(text)![1]!;
    this.base = /<infrastructureService name="requestsConnector">([^<]+)</.exec(text)![1]!.replace(/\/requests$/, '');
    return text;
  }

  async call(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
    const r = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        ...this.authorization(),
        'content-type': 'application/xml',
        accept: 'application/xml',
        requestId: randomUUID(),
        ...headers,
      },
      ...(body ? { body } : {}),
    });
    return { status: r.status, headers: r.headers, text: await r.text() };
  }
}

const SP = 'A1B2C3D4E5F60718293A4B5C6D7E8F90';
const SSE = 'B1B2C3D4E5F60718293A4B5C6D7E8F90';
const SM = 'C1B2C3D4E5F60718293A4B5C6D7E8F90';

describe('a SIF consumer from the specification (done when)', () => {
  let sys: TestSystem;
  let root: string;
  let consumer: SifConsumer;
  // Michigan's own SIF provider: the gateway pushes Michigan's messages there as SIF events (the SIF channel).
  let miProvider: FastifyInstance;
  const miEvents: { headers: Record<string, unknown>; body: string; auth: string }[] = [];

  beforeAll(async () => {
    // The moves here are a few months old: widen the window in which a move is still news (as the exchange tests do).
    sys = await startSystem({
      workers: true,
      env: { EXCHANGE_MOVE_WINDOW_DAYS: '3650', EXCHANGE_EVENTS_POLL_MS: '100', EXCHANGE_SWEEP_MS: '300' },
    });
    await sys.app.listen({ host: '127.0.0.1', port: 0 });
    const addr = sys.app.server.address();
    root = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    miProvider = Fastify();
    miProvider.addContentTypeParser('application/xml', { parseAs: 'string' }, (_r, body, done) => done(null, body));
    const guard = new MemoryReplayGuard();
    miProvider.post('/sif/v3/events/StudentRecordExchanges', async (request, reply) => {
      const ts = request.headers.timestamp as string | undefined;
      const v = await verifySifAuthorization(request.headers.authorization, ts, {
        secretFor: async (t) => (t === 'mi-provider-session' ? 'mi-provider-secret' : null),
        replay: guard,
        windowSeconds: 300,
        allowBasic: false,
      });
      miEvents.push({ headers: request.headers, body: request.body as string, auth: v.kind });
      return reply.code(v.kind === 'ok' ? 202 : 401).send();
    });
    await miProvider.listen({ host: '127.0.0.1', port: 0 });
    const miPort = (miProvider.server.address() as { port: number }).port;
    await putEndpoint(
      sys.db,
      'MI',
      {
        delivery: {
          channel: 'sif',
          eventsUrl: `http://127.0.0.1:${miPort}/sif/v3/events`,
          sessionToken: 'mi-provider-session',
          secret: 'mi-provider-secret',
          zoneId: 'MI',
        },
      },
      'test',
      sys.config.SIGNING_KEY_SECRET,
    );
    // Michigan's records of the child, through Ed-Fi: school, migrant program, enrollment, a course with credits.
    const mi = await edfiClient(sys, 'MI');
    const course = {
      courseCode: 'ALG-1',
      educationOrganizationReference: { educationOrganizationId: LEA_ID },
      courseTitle: 'Algebra I',
      numberOfParts: 1,
      identificationCodes: [
        {
          courseIdentificationSystemDescriptor: 'uri://ed-fi.org/CourseIdentificationSystemDescriptor#LEA course code',
          identificationCode: 'ALG-1',
        },
      ],
      academicSubjects: [{ academicSubjectDescriptor: 'uri://ed-fi.org/AcademicSubjectDescriptor#Mathematics' }],
    };
    const writes: [string, unknown][] = [
      ['localEducationAgencies', lea()],
      ['schools', school()],
      ['programs', program()],
      ['courses', course],
      ['students', student('MI-5521')],
      ['studentSchoolAssociations', ssa('MI-5521', { entryDate: '2025-08-20' })],
      ['studentMigrantEducationProgramAssociations', smepa('MI-5521', { qualifyingArrivalDate: '2025-07-20' })],
      [
        'studentAcademicRecords',
        {
          studentReference: { studentUniqueId: 'MI-5521' },
          educationOrganizationReference: { educationOrganizationId: SCHOOL_ID },
          schoolYearTypeReference: { schoolYear: 2026 },
          termDescriptor: TERM,
        },
      ],
      [
        'courseTranscripts',
        {
          studentAcademicRecordReference: {
            educationOrganizationId: SCHOOL_ID,
            schoolYear: 2026,
            studentUniqueId: 'MI-5521',
            termDescriptor: TERM,
          },
          courseReference: { courseCode: 'ALG-1', educationOrganizationId: LEA_ID },
          courseAttemptResultDescriptor: 'uri://ed-fi.org/CourseAttemptResultDescriptor#Pass',
          earnedCredits: 0.5,
          finalLetterGradeEarned: 'B+',
        },
      ],
    ];
    for (const [resource, body] of writes) {
      const r = await mi.post(resource, body);
      expect(r.statusCode, `${resource}: ${r.body}`).toBe(201);
    }
    // Texas's administrator gives its SIF vendor an application key and secret.
    const c = await createClient(sys.db, { stateCode: 'TX', roles: ['state-system'], name: 'Texas SIF MIS' });
    if (c.kind !== 'created') throw new Error(c.reason);
    consumer = new SifConsumer(root, c.client.clientId, c.secret);
  });
  afterAll(async () => {
    await sys?.close();
    await miProvider?.close();
  });

  it('writes as Texas, is matched with Michigan, gets the move notice and reads the consolidated record', {
    timeout: 120_000,
  }, async () => {
    await consumer.createEnvironment();

    // A queue subscribed to StudentRecordExchanges in the default zone.
    const q = await consumer.call('POST', '/queues', `<queue xmlns="${INFRA}"><name>tx-events</name></queue>`);
    expect(q.status, q.text).toBe(201);
    expect(xmllint(q.text, 'infra'), q.text).toBeNull();
    const queueId = /<queue [^>]*id="([^"]+)"/.exec(q.text)![1]!;
    const sub = await consumer.call(
      'POST',
      '/subscriptions',
      `<subscription xmlns="${INFRA}"><zoneId>TX</zoneId><contextId>DEFAULT</contextId>` +
        `<serviceType>OBJECT</serviceType><serviceName>StudentRecordExchanges</serviceName>` +
        `<queueId>${queueId}</queueId></subscription>`,
    );
    expect(sub.status, sub.text).toBe(201);
    expect(xmllint(sub.text, 'infra'), sub.text).toBeNull();

    const objects: [string, string, string][] = [
      [
        'StudentPersonals/StudentPersonal',
        SP,
        `<StudentPersonal xmlns="${NA}" RefId="${SP}"><LocalId>TX-88213</LocalId>` +
          '<StateProvinceId>TX-88213</StateProvinceId><Name Type="04"><LastName>Garcia</LastName>' +
          '<FirstName>Maria</FirstName></Name><Demographics><Gender>F</Gender><BirthDate>2010-04-02</BirthDate>' +
          '</Demographics><Migrant>Y</Migrant></StudentPersonal>',
      ],
      [
        'StudentSchoolEnrollments/StudentSchoolEnrollment',
        SSE,
        `<StudentSchoolEnrollment xmlns="${NA}" RefId="${SSE}" StudentPersonalRefId="${SP}" ` +
          'SchoolInfoRefId="D3E34B359D75101A8C3D00AA001A1651" MembershipType="Home" TimeFrame="Current" ' +
          'SchoolYear="2026"><EntryDate>2026-01-12</EntryDate><GradeLevel><Code>09</Code></GradeLevel>' +
          '</StudentSchoolEnrollment>',
      ],
      [
        'StudentMigrants/StudentMigrant',
        SM,
        `<StudentMigrant xmlns="${NA}" RefId="${SM}" StudentInfoRefId="${SP}">` +
          '<PrioritizedForServices>Yes</PrioritizedForServices><QualifyingArrivalDate>2026-01-05' +
          '</QualifyingArrivalDate><ProgramStartDate>2026-01-12</ProgramStartDate>' +
          '<EnrollmentType>01</EnrollmentType></StudentMigrant>',
      ],
    ];
    for (const [path, refId, xml] of objects) {
      const r = await consumer.call('POST', `/requests/${path}`, xml, { mustUseAdvisory: 'true' });
      expect(r.status, `${path}: ${r.text}`).toBe(201);
      expect(r.text).toContain(`RefId="${refId}"`);
    }

    // The move notice arrives on the queue as a StudentRecordExchange event.
    const event = await eventually(
      async () => {
        const m = await consumer.call('GET', `/queues/${queueId}/messages`);
        return m.status === 200 ? m : null;
      },
      60_000,
      250,
    );
    expect(event.headers.get('messagetype')).toBe('EVENT');
    expect(event.headers.get('eventaction')).toBe('CREATE');
    expect(event.headers.get('servicename')).toBe('StudentRecordExchanges');
    expect(xmllint(event.text, 'na4'), event.text).toBeNull();
    expect(event.text).toContain(`<StudentPersonalRefId>${SP}</StudentPersonalRefId>`);
    expect(event.text).toContain('<SIF_ExtendedElement Name="MessageKind">move-notice</SIF_ExtendedElement>');
    expect(event.text).toContain('<SIF_ExtendedElement Name="FromState">MI</SIF_ExtendedElement>');
    const academicRef = /<StudentAcademicRecordRefId>([0-9A-F]{32})</.exec(event.text)![1]!;
    const messageId = event.headers.get('messageid')!;

    // Acknowledged by naming it as the last message read: the queue is then empty.
    const after = await consumer.call('GET', `/queues/${queueId}/messages?lastMessageId=${messageId}`);
    expect(after.status).toBe(204);

    // The consolidated academic record: Michigan's course and credits, as XML valid against the NA 4.0 XSD…
    const xml = await consumer.call('GET', `/requests/StudentPersonals/${SP}/StudentAcademicRecords`);
    expect(xml.status, xml.text).toBe(200);
    expect(xmllint(xml.text, 'na4'), xml.text).toBeNull();
    expect(xml.text).toContain('<CourseTitle>Algebra I</CourseTitle>');
    expect(xml.text).toContain('<CourseCreditsEarned>0.50</CourseCreditsEarned>');
    // …the record the move notice named, by RefId…
    const byRef = await consumer.call('GET', `/requests/StudentAcademicRecords/${academicRef}`);
    expect(byRef.status, byRef.text).toBe(200);
    expect(new XMLParser().parse(byRef.text).StudentAcademicRecord.CourseHistory.Term.Courses.Course).toMatchObject({
      SchoolCourseInfoData: { CourseTitle: 'Algebra I' },
    });
    // …and as Goessner JSON.
    const json = await consumer.call('GET', `/requests/StudentPersonals/${SP}/StudentAcademicRecords`, undefined, {
      accept: 'application/json',
    });
    expect(json.status).toBe(200);
    const record = JSON.parse(json.text).StudentAcademicRecords.StudentAcademicRecord[0];
    expect(record['@SIF_RefId']).toBe(SP);
    expect(record.CourseHistory.Term[0].Courses.Course[0].SchoolCourseInfoData.CourseTitle).toBe('Algebra I');
    expect(record.AcademicPerformanceSummary.TotalCreditsEarned).toBe('0.50');

    // A record request as a StudentRecordExchange: the exchange's request flow answers it (Texas holds a move notice
    // for the child); read back by its RefId, it names the consolidated record the answer opened, and the answer
    // read is audited.
    const ask = await consumer.call(
      'POST',
      '/requests/StudentRecordExchanges/StudentRecordExchange',
      `<StudentRecordExchange xmlns="${NA}"><StudentPersonalRefId>${SP}</StudentPersonalRefId>` +
        '<SIF_ExtendedElements><SIF_ExtendedElement Name="Purpose">enrollment</SIF_ExtendedElement>' +
        '</SIF_ExtendedElements></StudentRecordExchange>',
    );
    expect(ask.status, ask.text).toBe(201);
    expect(xmllint(ask.text, 'na4'), ask.text).toBeNull();
    const requestRef = /<StudentRecordExchange [^>]*RefId="([0-9A-F]{32})"/.exec(ask.text)![1]!;
    const answered = await eventually(
      async () => {
        const r = await consumer.call('GET', `/requests/StudentRecordExchanges/${requestRef}`);
        return r.text.includes('Name="RequestStatus">answered<') ? r : null;
      },
      30_000,
      250,
    );
    expect(xmllint(answered.text, 'na4'), answered.text).toBeNull();
    expect(answered.text).toContain(`<StudentAcademicRecordRefId>${academicRef}</StudentAcademicRecordRefId>`);
    const reads = await sys.db.query(
      "SELECT 1 FROM audit_events WHERE action = 'record-request.answer-read' AND details->>'surface' = 'sif'",
    );
    expect(reads.rowCount).toBeGreaterThan(0);

    // Michigan, whose endpoint is SIF, got its side of the move pushed to its own provider as a signed SIF event.
    const pushed = await eventually(async () => miEvents.find((e) => e.auth === 'ok') ?? null, 30_000, 100);
    expect(pushed.headers.messagetype).toBe('EVENT');
    expect(pushed.headers.eventaction).toBe('CREATE');
    expect(pushed.headers.servicename).toBe('StudentRecordExchanges');
    expect(xmllint(pushed.body, 'na4'), pushed.body).toBeNull();
    expect(pushed.body).toContain('<StateProvinceId>MI-5521</StateProvinceId>');
    expect(pushed.body).toContain('<SIF_ExtendedElement Name="Role">departed</SIF_ExtendedElement>');
  });
});
