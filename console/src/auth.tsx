import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext } from 'react';
import { api, isApiError } from './api/client';

/** `GET /api/v1/auth/me`: who is signed in, and what they may do. */
export interface Me {
  user?: string;
  tenant: string;
  role?: string;
  permissions: string[];
  credential: { type: string; id: string; name?: string; keyType?: string; expiresAt?: string | null };
}

interface AuthState {
  me: Me;
  /** Whether the credential holds the permission (the server's list is explicit, no wildcards). */
  can(permission: string): boolean;
  signOut(): Promise<void>;
}

const AuthContext = createContext<AuthState | undefined>(undefined);

/** Pure. The server decides; this only hides what it would refuse. */
export function holds(permissions: readonly string[], permission: string): boolean {
  return permissions.includes(permission);
}

export function useMe() {
  return useQuery({
    queryKey: ['me'],
    queryFn: async () => {
      try {
        return await api<Me>('GET', '/auth/me');
      } catch (error) {
        if (isApiError(error, 401)) return null;
        throw error;
      }
    },
    staleTime: 60_000,
  });
}

export function AuthProvider({ me, children }: { me: Me; children: ReactNode }) {
  const client = useQueryClient();
  const state: AuthState = {
    me,
    can: (permission) => holds(me.permissions, permission),
    async signOut() {
      await api('POST', '/auth/logout', { body: {} });
      // Signed out: the login page shows, and nothing read with the old session stays cached.
      client.setQueryData(['me'], null);
      client.removeQueries({ predicate: (query) => query.queryKey[0] !== 'me' });
    },
  };
  return <AuthContext.Provider value={state}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const state = useContext(AuthContext);
  if (!state) throw new Error('useAuth outside AuthProvider');
  return state;
}

/** Renders its children only when the credential holds the permission (pages hide what it lacks). */
export function Can({ permission, children }: { permission: string; children: ReactNode }) {
  return useAuth().can(permission) ? children : null;
}
