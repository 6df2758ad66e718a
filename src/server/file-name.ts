/**
 * The rule for names `get` accepts: one plain path component inside the files folder. Anything that could
 * resolve elsewhere is refused before the file system is asked: separators of either kind (so `..`
 * anywhere, absolute paths and encoded variants that decode to them), NUL and other control bytes, and
 * names longer than a file system allows. Symbolic links are refused at open time (O_NOFOLLOW).
 */
export const MAX_FILE_NAME_BYTES = 255

export function fileNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'no file name given'
  if (name === '.' || name === '..') return 'not a file name'
  if (name.includes('/') || name.includes('\\')) return 'path separators are not allowed'
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'control characters are not allowed'
  if (Buffer.byteLength(name, 'utf8') > MAX_FILE_NAME_BYTES) return 'file name too long'
  return undefined
}
