import { saveBlob } from '../../api/client';

/** Saves text (a resource's YAML) as a file. */
export function saveText(text: string, fileName: string, type = 'application/yaml'): void {
  saveBlob(new Blob([text], { type }), fileName);
}
