/** Reconciliation failures; each is an API problem code. */
export enum ReconciliationError {
  FileInvalid = 'recon_file_invalid',
  FileDuplicate = 'recon_file_duplicate',
  ExceptionNotFound = 'recon_exception_not_found',
  ExceptionClosed = 'recon_exception_closed',
}
