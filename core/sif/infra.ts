/**
 * The SIF 3 infrastructure documents the gateway answers with (namespace infrastructure/3.2.1): environment,
 * createResponse, updateResponse, deleteResponse, error, queue(s), subscription(s), as Goessner trees whose keys are
 * in the XSD's element order, so the same tree is the JSON answer and, written in key order, the XML one.
 */
import type { SifElement } from '../../mappings/sif/tree.js';
import { SIF_MAPPINGS } from '../../mappings/sif/fields.js';
import { SIF_NS, SIF_OBJECTS, type SifObjectName } from '../../specs/sif/objects.js';
import type { SifItemResult } from './write.js';

export const SIF_INFRA_NS = 'http://www.sifassociation.org/infrastructure/3.2.1';

export interface SifErrorBody {
  id: string;
  code: number;
  scope: string;
  message: string;
  description?: string;
}

/** An `error` (errorType): code, scope (at most 80 characters), message (1024), description. */
export function errorTree(e: SifErrorBody): SifElement {
  return {
    '@id': e.id,
    code: String(e.code),
    scope: e.scope.slice(0, 80),
    message: e.message.slice(0, 1024),
    ...(e.description ? { description: e.description } : {}),
  };
}

const itemError = (r: Extract<SifItemResult, { kind: 'error' }>, id: string): SifElement =>
  errorTree({ id, code: r.status, scope: r.scope, message: r.message, description: r.description });

/** createResponse: one create per item, in request order, each with its own status. */
export function createResponseTree(
  results: readonly { result: SifItemResult; advisoryId: string | null }[],
  errorId: () => string,
): SifElement {
  return {
    creates: {
      create: results.map(({ result, advisoryId }) => {
        if (result.kind === 'created')
          return {
            '@id': result.refId,
            ...(advisoryId ? { '@advisoryId': advisoryId } : {}),
            '@statusCode': '201',
          };
        if (result.kind === 'error')
          return {
            ...(advisoryId ? { '@advisoryId': advisoryId } : {}),
            '@statusCode': String(result.status),
            error: itemError(result, errorId()),
          };
        return { '@statusCode': '500' };
      }),
    },
  };
}

/** updateResponse / deleteResponse: one item per id, in request order. */
export function itemsResponseTree(
  what: 'updates' | 'deletes',
  results: readonly { id: string; result: SifItemResult }[],
  errorId: () => string,
): SifElement {
  const item = what === 'updates' ? 'update' : 'delete';
  return {
    [what]: {
      [item]: results.map(
        ({ id, result }): SifElement =>
          result.kind === 'error'
            ? { '@id': id, '@statusCode': String(result.status), error: itemError(result, errorId()) }
            : { '@id': id, '@statusCode': '204' },
      ),
    },
  };
}

const RIGHTS = ['QUERY', 'CREATE', 'UPDATE', 'DELETE', 'PROVIDE', 'SUBSCRIBE', 'ADMIN'] as const;

/** The rights a state-system application has on one object service: the writes its mapping allows. */
function rightsFor(object: SifObjectName): SifElement {
  const approved = new Set<string>(['QUERY', 'SUBSCRIBE', ...SIF_MAPPINGS[object].writes]);
  return { right: RIGHTS.map((r) => ({ '@type': r, '#text': approved.has(r) ? 'APPROVED' : 'REJECTED' })) };
}

export interface EnvironmentView {
  id: string;
  sessionToken?: string;
  solutionId: string | null;
  consumerName: string | null;
  defaultZone: string;
  zones: string[];
  base: string;
}

/** The environment document (environmentType, elements in XSD order). */
export function environmentTree(e: EnvironmentView): SifElement {
  const service = (name: string) => `${e.base}/${name}`;
  return {
    '@type': 'DIRECT',
    '@id': e.id,
    ...(e.sessionToken ? { sessionToken: e.sessionToken } : {}),
    ...(e.solutionId ? { solutionId: e.solutionId } : {}),
    defaultZone: { '@id': e.defaultZone, description: `State ${e.defaultZone}` },
    authenticationMethod: 'Basic',
    ...(e.consumerName ? { consumerName: e.consumerName } : {}),
    applicationInfo: {
      supportedInfrastructureVersion: '3.2.1',
      dataModelNamespace: SIF_NS,
      transport: 'REST',
      applicationProduct: { vendorName: 'MSIX gateway', productName: 'Migrant record exchange gateway' },
    },
    infrastructureServices: {
      infrastructureService: [
        { '@name': 'environment', '#text': service(`environments/${e.id}`) },
        { '@name': 'requestsConnector', '#text': service('requests') },
        { '@name': 'queues', '#text': service('queues') },
        { '@name': 'subscriptions', '#text': service('subscriptions') },
      ],
    },
    provisionedZones: {
      provisionedZone: e.zones.map((z) => ({
        '@id': z,
        services: {
          service: [
            ...Object.entries(SIF_OBJECTS).map(([object, name]) => ({
              '@name': name,
              '@contextId': 'DEFAULT',
              '@type': 'OBJECT',
              rights: rightsFor(object as SifObjectName),
            })),
            {
              '@name': 'StudentPersonals/StudentAcademicRecords',
              '@contextId': 'DEFAULT',
              '@type': 'SERVICEPATH',
              rights: { right: [{ '@type': 'QUERY', '#text': 'APPROVED' }] },
            },
            {
              '@name': 'SchoolInfos/StudentPersonals',
              '@contextId': 'DEFAULT',
              '@type': 'SERVICEPATH',
              rights: { right: [{ '@type': 'QUERY', '#text': 'APPROVED' }] },
            },
          ],
        },
      })),
    },
  };
}

export interface QueueView {
  id: string;
  name: string | null;
  ownerId: string;
  uri: string;
  created: string;
  lastAccessed: string | null;
  messageCount: number;
}

export function queueTree(q: QueueView): SifElement {
  return {
    '@id': q.id,
    polling: 'IMMEDIATE',
    ownerId: q.ownerId,
    ...(q.name ? { name: q.name } : {}),
    queueUri: q.uri,
    maxConcurrentConnections: '1',
    created: q.created,
    ...(q.lastAccessed ? { lastAccessed: q.lastAccessed } : {}),
    messageCount: String(q.messageCount),
  };
}

export interface SubscriptionView {
  id: string;
  zoneId: string;
  contextId: string;
  serviceType: string;
  serviceName: string;
  queueId: string;
}

export function subscriptionTree(s: SubscriptionView): SifElement {
  return {
    '@id': s.id,
    zoneId: s.zoneId,
    contextId: s.contextId,
    serviceType: s.serviceType,
    serviceName: s.serviceName,
    queueId: s.queueId,
  };
}
