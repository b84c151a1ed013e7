import type { FormEvent } from 'react';

/**
 * A form's onSubmit that keeps the browser from sending the form (and reloading the page)
 * and calls run instead; a promise it returns is left to report its own errors.
 */
export function submitWith(run: () => unknown): (e: FormEvent) => void {
  return (e) => {
    e.preventDefault();
    void run();
  };
}
