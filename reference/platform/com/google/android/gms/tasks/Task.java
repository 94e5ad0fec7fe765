package com.google.android.gms.tasks;

public abstract class Task<TResult> {
    public Task() {}

    public abstract boolean isComplete();

    public abstract boolean isSuccessful();

    public abstract TResult getResult();

    public abstract Task<TResult> addOnSuccessListener(OnSuccessListener<? super TResult> listener);
}
