/** The reason text of `Error with ClientNN: <reason>`, worded as the original (Python on Linux) printed it. */
const PYTHON_WORDING: Record<string, string> = {
  ECONNRESET: '[Errno 104] Connection reset by peer',
  EPIPE: '[Errno 32] Broken pipe',
  ETIMEDOUT: '[Errno 110] Connection timed out',
  ECONNABORTED: '[Errno 103] Software caused connection abort',
}

export function socketFailure(error: NodeJS.ErrnoException): string {
  return (error.code && PYTHON_WORDING[error.code]) || error.message
}
