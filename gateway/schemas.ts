import { Type } from 'typebox';

export const StateParam = Type.Object({
  state: Type.String({ pattern: '^[A-Za-z]{2}$', description: 'Two-letter state code.' }),
});
export const MsixIdParam = Type.Object({ msixId: Type.String({ description: '12-digit MSIX id.' }) });
export const IdParam = Type.Object({ id: Type.String() });
