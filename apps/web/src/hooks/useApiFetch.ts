import { createContext, useContext } from 'react';
import type { Fetch } from '../api/client.js';

/**
 * The `fetch` every hook uses for the API: the signed-in session's, which sends the bearer
 * token (see authorizedFetch). Provided by the page once signed in.
 */
export const ApiFetchContext = createContext<Fetch>((input, init) => fetch(input, init));

export function useApiFetch(): Fetch {
  return useContext(ApiFetchContext);
}
