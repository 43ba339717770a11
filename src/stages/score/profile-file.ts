// Loads the ideal-customer profile from a YAML file (errors as FILE:LINE: what is allowed), or the
// default profile shipped in templates/profile.yaml when the user has not written one yet.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadYamlFile, parseYamlText } from '../../config.js';
import { normalizeProfile, profileVersion, ProfileSchema, type Profile } from '../../domain/profile.js';
import { UserError } from '../../errors.js';

export const DEFAULT_PROFILE_TEMPLATE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../templates/profile.yaml');

export interface LoadedProfile {
  profile: Profile;
  version: string;
  /** The file read. */
  file: string;
  /** True when no profile file existed and the shipped default was used. */
  isDefault: boolean;
}

export function loadProfileFile(file: string): LoadedProfile {
  const profile = normalizeProfile(loadYamlFile(file, ProfileSchema, 'profile'));
  return { profile, version: profileVersion(profile), file, isDefault: false };
}

export function loadProfileText(text: string, file: string): LoadedProfile {
  const profile = normalizeProfile(parseYamlText(text, file, ProfileSchema));
  return { profile, version: profileVersion(profile), file, isDefault: false };
}

/**
 * The profile to score with: an explicit file must exist; the usual file (ctx.profileFile) may be absent,
 * in which case the default template is used (a first run needs no setup).
 */
export function resolveProfile(explicit: string | undefined, usual: string): LoadedProfile {
  if (explicit) {
    const file = resolve(explicit);
    if (!existsSync(file)) {
      throw new UserError(`No profile file at ${file}.`, 'Check the --profile path, or run `outreach init` to write profile.yaml.');
    }
    return loadProfileFile(file);
  }
  if (existsSync(usual)) return loadProfileFile(usual);
  return { ...loadProfileFile(DEFAULT_PROFILE_TEMPLATE), isDefault: true };
}
