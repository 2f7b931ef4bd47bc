import { restoreKeys } from '../../storage/layout.js';
import type { ObjectStore } from '../../storage/object-store.js';
import { InputError } from '../../util/errors.js';

/**
 * The restore's name. A name the user gave must be free; a default one (`<backup>-<stamp>`) that is taken, by
 * a second restore of the same backup within the same second, gets a counter instead.
 */
export async function restoreName(store: ObjectStore, explicit: string | undefined, fallback: string, record: boolean): Promise<string> {
  const taken = async (name: string) => record && (await store.head(restoreKeys(name).metadata)) !== undefined;
  if (explicit) {
    if (await taken(explicit)) throw new InputError('restore-name', `a restore named '${explicit}' already exists in ${store.url}`, 'Choose another restore-name');
    return explicit;
  }
  for (let n = 0; ; n++) {
    const candidate = n === 0 ? fallback : `${fallback}-${n}`;
    if (!(await taken(candidate))) return candidate;
  }
}
