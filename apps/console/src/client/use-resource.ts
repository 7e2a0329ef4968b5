"use client";

import {
  type QueryKey,
  type UseMutationResult,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { api } from "./api";
import { resourceKeys } from "./query-keys";
import { useToast } from "./toast";
import { useFieldErrors } from "./use-field-errors";

export type ResourceOptions<View> = {
  /** The list's name in query keys ("agents"): the server prefetch fills the same key. */
  name: string;
  /** Its path under /api/v1: GET lists, POST creates, PATCH /{id} updates, DELETE /{id} removes. */
  path: string;
  /** What one is called, as people say it: "agent", "API token". */
  noun: string;
  /** The name a toast gives one row ("Agent billing-bot deleted"). */
  nameOf: (view: View) => string;
  /** The verb a toast uses after a DELETE: "deleted", or "revoked" for a token that stays listed. */
  removedVerb?: string;
  /** Other lists a change here alters (an agent's credentials show on its own page too). */
  alsoInvalidates?: QueryKey[];
};

/**
 * One save: `id` for an update (PATCH), none for a create (POST); `name` and `verb` word the toast.
 * `input` may be a function, read inside the save: a form that cannot be read (it throws an
 * ApiError with field messages) then fails the save like the API would, messages beside fields.
 */
export type SaveVariables<Input> = { id?: string; input: Input | (() => Input); name: string; verb?: string };
export type ResourceSave<View, Input> = UseMutationResult<View, Error, SaveVariables<Input>>;

/**
 * One listed resource, the same on every page: its list (prefetched on the server under the same
 * key), a save that creates or updates, a remove, a toast naming the row after each change, field
 * errors that clear as their field is edited, and one refresh for every view of it.
 */
export function useResource<View extends { id: string }, Input = unknown>(options: ResourceOptions<View>) {
  const { name, path, noun, nameOf } = options;
  const Noun = noun.charAt(0).toUpperCase() + noun.slice(1);
  const keys = resourceKeys(name);
  const queryClient = useQueryClient();
  const toast = useToast();
  const list = useQuery({ queryKey: keys.list(), queryFn: () => api<View[]>(path) });
  const refresh = () =>
    Promise.all(
      [keys.all, ...(options.alsoInvalidates ?? [])].map((queryKey) =>
        queryClient.invalidateQueries({ queryKey }),
      ),
    );
  const save: ResourceSave<View, Input> = useMutation({
    mutationFn: async ({ id, input }: SaveVariables<Input>) => {
      const body = typeof input === "function" ? (input as () => Input)() : input;
      return id
        ? api<View>(`${path}/${id}`, { method: "PATCH", body })
        : api<View>(path, { method: "POST", body });
    },
    onSuccess: (_saved, variables) => {
      toast(`${Noun} ${variables.name} ${variables.verb ?? "saved"}`);
      void refresh();
    },
  });
  const remove = useMutation({
    mutationFn: (view: View) => api<void>(`${path}/${view.id}`, { method: "DELETE" }),
    onSuccess: (_result, view) => {
      toast(`${Noun} ${nameOf(view)} ${options.removedVerb ?? "deleted"}`);
      return refresh();
    },
  });
  const { errors, edited } = useFieldErrors(save.error);
  return {
    list,
    save,
    remove,
    refresh,
    /** The save's messages per field, minus those whose field was edited since. */
    errors,
    edited,
    /** The first failure of the list or a row action, for the page's banner. */
    listError: list.error ?? remove.error,
  };
}
